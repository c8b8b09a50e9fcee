-- lookup.lua reports which records exist in a function's idempotency
-- hashes, by Redis's clock, the same way commit.lua files them.
--
-- KEYS[1]  a key of the slot of the records (routing on a Cluster; not read)
-- ARGV[1…] the prelude's (records.lua), then per prefix p = 1…np: the
--          number of fields n, then n record fields to look up in p
--
-- Returns one integer per field, in order: 1 if it is recorded in window
-- w-1, w or w+1, else 0.
local w = currentWindow()
-- Fields are grouped by prefix and shard, so that each hash is read with
-- one HMGET.
local groups = {}
local out = {}
local i = BASE
for p = 1, np do
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    local field = ARGV[i]
    out[#out + 1] = 0
    local shard = shardOf(field)
    local k = p * 256 + shard
    local g = groups[k]
    if g == nil then
      g = { p = p, shard = shard, fields = {}, at = {} }
      groups[k] = g
    end
    g.fields[#g.fields + 1] = field
    g.at[#g.at + 1] = #out
    i = i + 1
  end
end
for _, g in pairs(groups) do
  for _, prefix in ipairs(searched(g.p)) do
    for window = w - 1, w + 1 do
      local key = hashKey(prefix, window, g.shard)
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
end
return out
