-- lookup.lua reports which records exist in a function's idempotency
-- hashes, by Redis's clock, the same way commit.lua files them.
--
-- KEYS[1]  a key of the slot of the records (routing on a Cluster; not read)
-- ARGV[1…] the prelude's (records.lua), then per prefix p = 1…np: the
--          number of fields n, then n record fields to look up in p
--
-- Returns the (1-based) positions of the fields that are recorded in
-- window w-1, w or w+1, in order; usually none.
local w = currentWindow()
-- Fields are grouped by prefix and shard, so that each hash is read with
-- one HMGET, and each window of a prefix is probed with one EXISTS of the
-- hashes the fields fall in: most windows (w+1, and both others on a
-- fresh function) have none, and then cost one call instead of one per
-- shard.
local byPrefix = {}
local found = {}
local i = BASE
local at = 0
for p = 1, np do
  local n = tonumber(ARGV[i])
  i = i + 1
  local shardsOf = {}
  local list = {}
  byPrefix[p] = list
  for _ = 1, n do
    local field = ARGV[i]
    at = at + 1
    local shard = shardOf(field)
    local g = shardsOf[shard]
    if g == nil then
      g = { shard = shard, fields = {}, at = {} }
      shardsOf[shard] = g
      list[#list + 1] = g
    end
    g.fields[#g.fields + 1] = field
    g.at[#g.at + 1] = at
    i = i + 1
  end
end
for p = 1, np do
  local list = byPrefix[p]
  if #list > 0 then
    for _, prefix in ipairs(searched(p)) do
      for window = w - 1, w + 1 do
        local keys = {}
        for j, g in ipairs(list) do
          keys[j] = hashKey(prefix, window, g.shard)
        end
        local present = 0
        for lo = 1, #keys, CHUNK do
          present = present + redis.call('EXISTS', unpack(keys, lo, math.min(lo + CHUNK - 1, #keys)))
        end
        if present > 0 then
          for j, g in ipairs(list) do
            for lo = 1, #g.fields, CHUNK do
              local hi = math.min(lo + CHUNK - 1, #g.fields)
              local got = redis.call('HMGET', keys[j], unpack(g.fields, lo, hi))
              for k = 1, #got do
                if got[k] then
                  found[g.at[lo + k - 1]] = true
                end
              end
            end
          end
        end
      end
    end
  end
end
local out = {}
for k = 1, at do
  if found[k] then
    out[#out + 1] = k
  end
end
return out
