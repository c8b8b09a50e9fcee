-- lookup.lua reports which records exist in a function's idempotency
-- hashes, by Redis's clock, the same way commit.lua files them.
--
-- ARGV[1]  the prefix of the idempotency hashes, fn:{<function>}:done:
-- ARGV[2]  the window length (IDEMPOTENCY_TTL), ms
-- ARGV[3]  the number of hashes per window (shards)
-- ARGV[4]  now, Unix ms; "" takes Redis's clock (TIME)
-- ARGV[5…] the record fields to look up
--
-- Returns one integer per field: 1 if it is recorded in window w-1, w or
-- w+1, else 0.
local prefix, ttl, shards = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local w = math.floor(now / ttl)
local exists = {}
local out = {}
for i = 5, #ARGV do
  local field = ARGV[i]
  local found = 0
  if field ~= '' then
    local shard = ':' .. (string.byte(field, 1) % shards)
    for window = w - 1, w + 1 do
      local key = prefix .. string.format('%.0f', window) .. shard
      if exists[key] == nil then
        exists[key] = redis.call('EXISTS', key) == 1
      end
      if exists[key] and redis.call('HEXISTS', key, field) == 1 then
        found = 1
        break
      end
    end
  end
  out[#out + 1] = found
end
return out
