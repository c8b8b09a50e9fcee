-- members.lua keeps the membership of one function's instances that share
-- its partitions: a sorted set of consumers scored by when their
-- membership expires (Redis's clock, ms).
--
-- KEYS[1] the members set
-- ARGV[1] the consumer; ARGV[2] its membership's life in ms, or "leave"
--
-- It renews (or, with "leave", removes) the consumer, drops every expired
-- member, and returns the live members in name order.
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
if ARGV[2] == 'leave' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 10 * tonumber(ARGV[2]))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
local out = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(out)
return out
