-- lookup.lua reports which records exist in a function's idempotency
-- hashes, by Redis's clock, the same way commit.lua files them.
--
-- ARGV[1…4] the records' prefix, window, shards and clock (see records.lua,
--          the prelude this script runs after)
-- ARGV[5…] the record fields to look up
--
-- Returns one integer per field: 1 if it is recorded in window w-1, w or
-- w+1, else 0.
local w = currentWindow()
-- Fields are grouped by shard, so that each hash is read with one HMGET.
local byShard = {}
local out = {}
for i = 5, #ARGV do
  out[i - 4] = 0
  local field = ARGV[i]
  if field ~= '' then
    local shard = shardOf(field)
    local g = byShard[shard]
    if g == nil then
      g = { fields = {}, at = {} }
      byShard[shard] = g
    end
    g.fields[#g.fields + 1] = field
    g.at[#g.at + 1] = i - 4
  end
end
for shard, g in pairs(byShard) do
  for window = w - 1, w + 1 do
    local key = hashKey(window, shard)
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
