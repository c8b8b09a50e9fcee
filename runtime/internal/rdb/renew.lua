-- renew.lua renews this consumer's claim on its entries of one stream, and
-- only on those it still owns: an entry taken over by another consumer is
-- never claimed back.
--
-- KEYS[1]  the stream
-- ARGV[1]  the consumer group (the function's name)
-- ARGV[2]  this consumer
-- ARGV[3]  "" to keep each entry's delivery count, or the count to set
--          (bumped before an attempt, given back at shutdown)
-- ARGV[4…] entry ids
--
-- Each owned entry's idle time is reset (XCLAIM JUSTID, which does not
-- count a delivery). Returns {taken, settled}: the ids this consumer no
-- longer owns because another one does, and those pending to nobody
-- (acked meanwhile: committed here just now, say).
local taken, settled = {}, {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2])
  if #p == 1 then
    if ARGV[3] == '' then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID')
    else
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'RETRYCOUNT', ARGV[3], 'JUSTID')
    end
  elseif #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1) == 1 then
    taken[#taken + 1] = id
  else
    settled[#settled + 1] = id
  end
end
return { taken, settled }
