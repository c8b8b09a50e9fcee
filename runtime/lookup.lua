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
-- Fields are grouped by shard, so that each hash is read with one HMGET.
local byShard = {}
local out = {}
for i = 5, #ARGV do
  out[i - 4] = 0
  local field = ARGV[i]
  if field ~= '' then
    local shard = string.byte(field, 1) % shards
    local g = byShard[shard]
    if g == nil then
      g = { fields = {}, at = {} }
      byShard[shard] = g
    end
    g.fields[#g.fields + 1] = field
    g.at[#g.at + 1] = i - 4
  end
end
local CHUNK = 500 -- fields per HMGET, well under Lua's stack limit
for shard, g in pairs(byShard) do
  for window = w - 1, w + 1 do
    local key = prefix .. string.format('%.0f', window) .. ':' .. shard
    if redis.call('EXISTS', key) == 1 then
      for lo = 1, #g.fields, CHUNK do
        local hi = math.min(lo + CHUNK - 1, #g.fields)
        local got = redis.call('HMGET', key, unpack(g.fields, lo, hi))
        for j = 1, #got do
          if got[j] then
            out[g.at[lo + j - 1]] = 1
          end
        end
      end
    end
  end
end
return out
