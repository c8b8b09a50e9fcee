-- lease.lua acquires, renews or releases one ownership lease of a
-- partition (see partition.Lease): a string "<consumer>:<epoch>" with a
-- TTL. The epoch numbers the partition's owners: it grows by one at every
-- acquisition and is never reused, so a token names one tenure.
--
-- KEYS[1] the lease; KEYS[2] the partition's epoch counter
-- ARGV[1] "acquire", "renew" or "release"
-- ARGV[2] acquire: the consumer; renew, release: the token held
-- ARGV[3] the lease's life in milliseconds (acquire, renew)
--
-- acquire returns {1, token} when the lease was free and is now this
-- consumer's, or {0, the holder's token}; renew and release return 1 when
-- the token still held the lease (renewed, deleted), else 0.
local op = ARGV[1]
if op == 'acquire' then
  local held = redis.call('GET', KEYS[1])
  if held then
    return { 0, held }
  end
  local epoch = redis.call('INCR', KEYS[2])
  local token = ARGV[2] .. ':' .. epoch
  redis.call('SET', KEYS[1], token, 'PX', ARGV[3])
  return { 1, token }
end
if redis.call('GET', KEYS[1]) ~= ARGV[2] then
  return 0
end
if op == 'renew' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('DEL', KEYS[1])
end
return 1
