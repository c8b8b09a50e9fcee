-- leaseread.lua is the read of a leased function: XREADGROUP of new
-- entries (">") of the partitions whose lease still holds this consumer's
-- token, and of no other. The check and the read are one step, so a
-- former owner (paused past its lease, say) can never take an entry of a
-- partition another owner reads now: such an entry would be pending to it,
-- unseen by the new owner.
--
-- KEYS     per partition: its lease, then its streams
-- ARGV[1]  the group; ARGV[2] the consumer; ARGV[3] COUNT
-- ARGV[4]  np, the number of partitions, then per partition: the token
--          it is read under, and its number of streams
--
-- Returns {refused, entries, last}: the (1-based) partitions whose lease
-- the token no longer holds; XREADGROUP's reply (an empty table when
-- nothing was read); and when nothing was read, each stream read and its
-- newest entry id ("0-0" if empty), from which to wait for new entries.
local group, consumer, count, np = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local k, a = 1, 5
local streams, refused = {}, {}
for i = 1, np do
  local token, ns = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  if redis.call('GET', KEYS[k]) == token then
    for j = 1, ns do
      streams[#streams + 1] = KEYS[k + j]
    end
  else
    refused[#refused + 1] = i
  end
  k = k + 1 + ns
end
if #streams == 0 then
  return { refused, {}, {} }
end
local args = { 'XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS' }
for _, s in ipairs(streams) do
  args[#args + 1] = s
end
for _ = 1, #streams do
  args[#args + 1] = '>'
end
local res = redis.call(unpack(args))
if res then
  return { refused, res, {} }
end
local last = {}
for _, s in ipairs(streams) do
  local e = redis.call('XREVRANGE', s, '+', '-', 'COUNT', 1)
  last[#last + 1] = s
  last[#last + 1] = (e[1] and e[1][1]) or '0-0'
end
return { refused, {}, last }
