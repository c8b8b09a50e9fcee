package stock

import "github.com/redis/go-redis/v9"

// luaHelpers are prepended to every script: newer compares stream entry
// ids ("ms-seq") and adjust moves a product's available stock by delta,
// never below zero, in Redis's exact int64 arithmetic (HINCRBY: Lua's
// numbers are doubles).
const luaHelpers = `
local function newer(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
local function adjust(stock, product, delta)
  if redis.call('HINCRBY', stock, product, delta) < 0 then redis.call('HSET', stock, product, 0) end
end
`

// applyEntry applies an inventory event: the entry's amount becomes its
// product's available stock.
//
// KEYS[1] the stock hash (product id -> available units)
// KEYS[2] the entry's state hash (product_id, amount, last)
// ARGV[1] the event's stream entry id; events not newer than the entry's
//
//	last applied one are ignored (idempotent re-runs)
//
// ARGV[2] the product id ("" to delete the entry)
// ARGV[3] the amount (a decimal int64, kept as a string)
//
// An entry that moves to another product, or is deleted, takes its old
// product's stock with it. Returns 1 if applied, 0 if ignored.
var applyEntry = redis.NewScript(luaHelpers + `
local last = redis.call('HGET', KEYS[2], 'last')
if last and not newer(ARGV[1], last) then return 0 end
local oldp = redis.call('HGET', KEYS[2], 'product_id')
if oldp and oldp ~= '' and oldp ~= ARGV[2] then redis.call('HDEL', KEYS[1], oldp) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
redis.call('HSET', KEYS[2], 'product_id', ARGV[2], 'amount', ARGV[3], 'last', ARGV[1])
return 1
`)

// reserve (re)reserves an order's units: it releases what the order holds,
// then takes the new units if every product has enough, else holds nothing.
//
// KEYS[1] the stock hash (product id -> available units)
// KEYS[2] the order's reservation hash (state, units, reason, last)
// ARGV[1] the order event's stream entry id; an event not newer than the
//
//	last applied one returns the stored outcome without changing anything
//
// ARGV[2] the units wanted, a JSON object {product id: units}
//
// Returns {state, reason}: state "reserved", "rejected", or "released" for
// an order deleted before (nothing changes then).
var reserve = redis.NewScript(luaHelpers + `
local last = redis.call('HGET', KEYS[2], 'last')
local state = redis.call('HGET', KEYS[2], 'state')
if last and not newer(ARGV[1], last) then
  return {state, redis.call('HGET', KEYS[2], 'reason') or ''}
end
if state == 'released' then return {'released', ''} end
if state == 'reserved' then
  for p, n in pairs(cjson.decode(redis.call('HGET', KEYS[2], 'units'))) do adjust(KEYS[1], p, n) end
end
local want = cjson.decode(ARGV[2])
local products = {}
for p in pairs(want) do products[#products + 1] = p end
table.sort(products)
for _, p in ipairs(products) do
  if tonumber(redis.call('HGET', KEYS[1], p) or '0') < want[p] then
    local reason = 'out of stock: ' .. p
    redis.call('HSET', KEYS[2], 'state', 'rejected', 'units', '{}', 'reason', reason, 'last', ARGV[1])
    return {'rejected', reason}
  end
end
for _, p in ipairs(products) do adjust(KEYS[1], p, -want[p]) end
redis.call('HSET', KEYS[2], 'state', 'reserved', 'units', ARGV[2], 'reason', '', 'last', ARGV[1])
return {'reserved', ''}
`)

// release gives an order's reserved units back, once.
//
// KEYS[1] the stock hash (product id -> available units)
// KEYS[2] the order's reservation hash (state, units, reason, last)
// ARGV[1] the deletion event's stream entry id
//
// The order ends "released" for good: later events for it change nothing.
// Returns 1 if this call released it, 0 if it was released before.
var release = redis.NewScript(luaHelpers + `
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'released' then return 0 end
if state == 'reserved' then
  for p, n in pairs(cjson.decode(redis.call('HGET', KEYS[2], 'units'))) do adjust(KEYS[1], p, n) end
end
redis.call('HSET', KEYS[2], 'state', 'released', 'units', '{}', 'reason', '', 'last', ARGV[1])
return 1
`)
