-- lookup.lua reports which records exist in a function's idempotency
-- hashes, by Redis's clock, the same way commit.lua files them.
--
-- KEYS[1]  a key of the slot of the records (routing on a Cluster; not read)
-- ARGV[1…] the prelude's (records.lua), then per prefix p = 1…np: the
--          number of fields n, then the n record fields to look up in p
--          as one string (each FIELD bytes, see RecordField): one
--          argument a prefix instead of one a field
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
  local n, packed = tonumber(ARGV[i]), ARGV[i + 1]
  if n == nil or packed == nil or #packed ~= n * FIELD then
    return redis.error_reply('lookup: malformed fields of prefix ' .. p)
  end
  i = i + 2
  local shardsOf = {}
  local list = {}
  byPrefix[p] = list
  for f = 0, n - 1 do
    local field = string.sub(packed, f * FIELD + 1, (f + 1) * FIELD)
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
