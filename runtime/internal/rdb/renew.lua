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
-- count a delivery). Returns the ids this consumer no longer owns.
local lost = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2])
  if #p == 1 then
    if ARGV[3] == '' then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'JUSTID')
    else
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'RETRYCOUNT', ARGV[3], 'JUSTID')
    end
  else
    lost[#lost + 1] = id
  end
end
return lost
