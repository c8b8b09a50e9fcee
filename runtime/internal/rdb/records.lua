-- records.lua is the prelude of commit.lua and lookup.lua (prepended to
-- each, see scripts.go): how a function's idempotency records are filed,
-- said once. Both scripts start their ARGV with:
--
-- ARGV[1]  the prefix of the idempotency hashes, fn:{<function>}:done:
-- ARGV[2]  the window length (IDEMPOTENCY_TTL), ms
-- ARGV[3]  the number of hashes per window (shards)
-- ARGV[4]  now, Unix ms; "" takes Redis's clock (TIME), so every instance
--          files and finds records by the same clock whatever its own says
if redis.replicate_commands then
  redis.replicate_commands() -- TIME before writes (no-op on Redis 7)
end
local prefix, ttl, shards = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local CHUNK = 500 -- values per unpack, well under Lua's stack limit

-- currentWindow is the window now falls in, by ARGV[4] or Redis's clock.
local function currentWindow()
  local now = tonumber(ARGV[4])
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
local function hashKey(window, shard)
  return prefix .. string.format('%.0f', window) .. ':' .. shard
end
