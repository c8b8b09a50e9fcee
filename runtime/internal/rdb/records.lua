-- records.lua is the prelude of commit.lua and lookup.lua (prepended to
-- each, see scripts.go): how a function's idempotency records are filed,
-- said once. Both scripts start their ARGV with:
--
-- ARGV[1]  the window length (IDEMPOTENCY_TTL), ms
-- ARGV[2]  the number of hashes per window (shards)
-- ARGV[3]  now, Unix ms; "" takes Redis's clock (TIME), so every instance
--          files and finds records by the same clock whatever its own says
-- ARGV[4]  the prefix of records of earlier versions to consult as well
--          (fn:{<function>}:done:), "" for none; never written
-- ARGV[5]  np, the number of record prefixes of this run, then the np
--          prefixes, each fn:{<tag>}:<function>:done: (one per slot: a
--          run on a Redis Cluster has one)
--
-- The script's own arguments start at ARGV[BASE].
if redis.replicate_commands then
  redis.replicate_commands() -- TIME before writes (no-op on Redis 7)
end
local ttl, shards, legacy = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4]
local prefixes = {}
local np = tonumber(ARGV[5])
if np == nil then
  return redis.error_reply('commit: malformed prefix count')
end
for p = 1, np do
  prefixes[p] = ARGV[5 + p]
end
local BASE = 6 + np
local CHUNK = 500 -- values per unpack, well under Lua's stack limit
local FIELD = 12 -- bytes of a record field (RecordFieldLen), as packed in ARGV

-- currentWindow is the window now falls in, by ARGV[3] or Redis's clock.
local function currentWindow()
  local now = tonumber(ARGV[3])
  if now == nil then
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return math.floor(now / ttl)
end

-- shardOf is the hash of a window that holds field.
local function shardOf(field)
  return string.byte(field, 1) % shards
end

-- hashKey names one hash of a window: <prefix><window>:<shard>.
local function hashKey(prefix, window, shard)
  return prefix .. string.format('%.0f', window) .. ':' .. shard
end

-- searched lists the prefixes a record filed under prefix p may be found
-- in: p's own, and the earlier versions' when ARGV[4] names it.
local function searched(p)
  if legacy ~= '' then
    return { prefixes[p], legacy }
  end
  return { prefixes[p] }
end
