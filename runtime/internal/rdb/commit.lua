-- commit.lua writes one group of settled invocations of one function,
-- atomically (a script runs alone on the Redis node, like MULTI/EXEC) and
-- all-or-nothing: it runs in three phases, and every error it can raise
-- (a malformed or oversize argument, a key of the wrong type, a missing
-- group, OOM) is raised before the first write. Redis does not roll back
-- a script, so nothing may fail once writing has begun.
--
-- KEYS[1…] every stream the group acks, emits to or dead-letters to, and
--          every partition lease its items are fenced by
--
-- ARGV[1…] the prelude's (records.lua: window, shards, clock, record
--          prefixes), then from ARGV[BASE]:
-- +0       the consumer group (the function's name)
-- +1       the consumer committing (this instance)
-- +2       the most field names and values one write may carry
-- +3       r, the number of streams whose entries the group settles, then
--          r triples: stream index into KEYS, lowest and highest entry id
--          of the group on it
-- then     the items, each:
--            ack  index into KEYS of the entry's stream, 0 for none
--            id   the entry id ("" for none)
--            pfx  index of the record prefix the item's record is filed
--                 under (the slot of its entry's stream)
--            rec  the record field to set, "" for none; it is also the
--                 guard of the item's writes: they are skipped if the
--                 record exists in the windows w-1, w or w+1, or an
--                 earlier item of this group has it
--            lease index into KEYS of the partition lease the item was
--                 run under, 0 for none
--            token the lease's token when it was run ("" for none)
--            n    the number of writes that follow (emits, dead letter)
--          then n writes, each: stream index into KEYS, value count f,
--          f values (field, value, field, value…)
--          or a compact run of items that only ack and record (the common
--          case: no write), of one stream, prefix, lease and token:
--            "c", ack, pfx, lease, token, m, then the m entry ids
--            separated by spaces, then their m record fields packed, each
--            FIELD bytes (see RecordField), or "" when they record nothing
--          Items (a run's as many as its ids) count in the order given.
--
-- Fencing: an item run under a partition lease is written only if that
-- lease still holds its token (the same owner's same tenure): a former
-- owner, whose lease expired or was taken over, writes nothing and the
-- item is reported fenced. And an item with an entry is written only if the entry is still
-- pending to this consumer (XPENDING, one per stream). If it is pending
-- to another one (taken over), the whole item is skipped (no writes, no
-- record, no ack) and reported; if it is not pending at all (settled already, e.g. this
-- very commit retried after a lost reply), it is skipped silently.
--
-- Returns {skipped, fenced…}: the number of items whose writes were
-- skipped, then the (1-based) positions of the fenced items.
local group, consumer, maxValues = ARGV[BASE], ARGV[BASE + 1], tonumber(ARGV[BASE + 2])

-- Phase 1: parse and validate; no Redis call.
local ranges = {}
local nr = tonumber(ARGV[BASE + 3])
local i = BASE + 4
for _ = 1, (nr or -1) do
  local s = tonumber(ARGV[i])
  if s == nil or s < 1 or s > #KEYS then
    return redis.error_reply('commit: malformed range at ARGV ' .. i)
  end
  ranges[s] = { lo = ARGV[i + 1], hi = ARGV[i + 2] }
  i = i + 3
end
if nr == nil then
  return redis.error_reply('commit: malformed range count')
end
local items, leases = {}, {}
local nitems = 0
while i <= #ARGV do
  if ARGV[i] == 'c' then
    local run = { compact = true, ack = tonumber(ARGV[i + 1]), pfx = tonumber(ARGV[i + 2]),
      lease = tonumber(ARGV[i + 3]), token = ARGV[i + 4], m = tonumber(ARGV[i + 5]),
      recs = ARGV[i + 7], ids = {} }
    local packed = ARGV[i + 6]
    if run.ack == nil or run.ack < 1 or run.ack > #KEYS or run.pfx == nil or run.pfx < 1 or run.pfx > np
      or run.lease == nil or run.lease < 0 or run.lease > #KEYS or run.m == nil or run.m < 1
      or run.recs == nil or (run.recs ~= '' and #run.recs ~= run.m * FIELD) then
      return redis.error_reply('commit: malformed run at ARGV ' .. i)
    end
    for id in string.gmatch(packed, '[^ ]+') do
      run.ids[#run.ids + 1] = id
    end
    if #run.ids ~= run.m then
      return redis.error_reply('commit: malformed run at ARGV ' .. i .. ': ' .. #run.ids .. ' ids for ' .. run.m)
    end
    if run.lease > 0 then
      leases[run.lease] = true
    end
    run.first = nitems + 1
    nitems = nitems + run.m
    items[#items + 1] = run
    i = i + 8
  else
    local it = { ack = tonumber(ARGV[i]), id = ARGV[i + 1], pfx = tonumber(ARGV[i + 2]), rec = ARGV[i + 3],
      lease = tonumber(ARGV[i + 4]), token = ARGV[i + 5], writes = {} }
    local n = tonumber(ARGV[i + 6])
    if it.ack == nil or n == nil or it.ack > #KEYS or it.lease == nil or it.lease < 0 or it.lease > #KEYS
      or it.pfx == nil or it.pfx < 1 or it.pfx > np then
      return redis.error_reply('commit: malformed item at ARGV ' .. i)
    end
    if n > 0 and it.rec == '' then
      return redis.error_reply('commit: item at ARGV ' .. i .. ' writes without a guard')
    end
    if it.lease > 0 then
      leases[it.lease] = true
    end
    i = i + 7
    for _ = 1, n do
      local s, f = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
      if s == nil or f == nil or s < 1 or s > #KEYS or f < 2 or f % 2 ~= 0 or i + 1 + f > #ARGV then
        return redis.error_reply('commit: malformed write at ARGV ' .. i)
      end
      if f > maxValues then
        return redis.error_reply('commit: write of ' .. f .. ' values to ' .. KEYS[s] .. ' over the limit of ' .. maxValues)
      end
      it.writes[#it.writes + 1] = { s = s, from = i + 2, to = i + 1 + f }
      i = i + 2 + f
    end
    nitems = nitems + 1
    it.k = nitems
    items[#items + 1] = it
  end
end

local w = currentWindow()

-- Phase 2: read. Key types, entry ownership, guards.
for k = 1, #KEYS do
  local t = leases[k] and 'none' or redis.call('TYPE', KEYS[k]).ok
  if t ~= 'stream' and t ~= 'none' then
    return redis.error_reply('commit: ' .. KEYS[k] .. ' is a ' .. t .. ', not a stream')
  end
end
local exists = {}
local function recorded(p, field)
  for _, prefix in ipairs(searched(p)) do
    for window = w - 1, w + 1 do
      local key = hashKey(prefix, window, shardOf(field))
      if exists[key] == nil then
        exists[key] = redis.call('EXISTS', key) == 1
      end
      if exists[key] and redis.call('HEXISTS', key, field) == 1 then
        return true
      end
    end
  end
  return false
end
-- Ownership: per stream, one XPENDING of this consumer's entries between
-- the group's lowest and highest id (paged); an entry not among them is
-- looked at alone, to tell taken over (fenced) from settled already.
local mine = {}
local PAGE = 1000
for s, r in pairs(ranges) do
  local ids = {}
  mine[s] = ids
  local from = r.lo
  while true do
    local p = redis.call('XPENDING', KEYS[s], group, from, r.hi, PAGE, consumer)
    for _, e in ipairs(p) do
      ids[e[1]] = true
    end
    if #p < PAGE then
      break
    end
    from = '(' .. p[#p][1]
  end
end
local held = {}
local function holds(lease, token)
  local key = lease .. ' ' .. token
  if held[key] == nil then
    held[key] = redis.call('GET', KEYS[lease]) == token
  end
  return held[key]
end
local skipped, fenced, seen = 0, {}, {}
-- What phase 3 writes: records per hash (named once, by prefix and shard)
-- and acks per stream. Compact runs add theirs here, in phase 2.
local records, acks, byHash = {}, {}, {}
local function addRecord(pfx, rec)
  local shard = shardOf(rec)
  local h = pfx * 256 + shard
  local r = byHash[h]
  if r == nil then
    r = { shard = shard }
    byHash[h] = r
    records[hashKey(prefixes[pfx], w, shard)] = r
  end
  r[#r + 1] = rec
  r[#r + 1] = '1'
end
local function addAck(s, id)
  local a = acks[s]
  if a == nil then
    a = {}
    acks[s] = a
  end
  a[#a + 1] = id
end
local function seenOf(pfx)
  local seenP = seen[pfx]
  if seenP == nil then
    seenP = {}
    seen[pfx] = seenP
  end
  return seenP
end
for _, it in ipairs(items) do
  if it.compact then
    local held = it.lease == 0 or holds(it.lease, it.token)
    local own, seenP = mine[it.ack], seenOf(it.pfx)
    for j = 0, it.m - 1 do
      local id, rec = it.ids[j + 1], ''
      if it.recs ~= '' then
        rec = string.sub(it.recs, j * FIELD + 1, (j + 1) * FIELD)
      end
      local go = true
      if not held then
        go = false -- run under a lease no longer held
        fenced[#fenced + 1] = it.first + j
      elseif not (own and own[id]) then
        local p = redis.call('XPENDING', KEYS[it.ack], group, id, id, 1)
        if #p == 0 then
          go = false -- settled already
        elseif p[1][2] ~= consumer then
          go = false -- taken over
          fenced[#fenced + 1] = it.first + j
        end
      end
      if go then
        if rec ~= '' then
          seenP[rec] = true
          addRecord(it.pfx, rec)
        end
        addAck(it.ack, id)
      end
    end
  else
    local k = it.k
    it.go = true
    if it.lease > 0 and not holds(it.lease, it.token) then
      it.go = false -- run under a lease no longer held
      fenced[#fenced + 1] = k
    elseif it.ack > 0 and not (mine[it.ack] and mine[it.ack][it.id]) then
      local p = redis.call('XPENDING', KEYS[it.ack], group, it.id, it.id, 1)
      if #p == 0 then
        it.go = false -- settled already
      elseif p[1][2] ~= consumer then
        it.go = false -- taken over
        fenced[#fenced + 1] = k
      end
    end
    local seenP = seenOf(it.pfx)
    it.write = it.go and #it.writes > 0 and not seenP[it.rec] and not recorded(it.pfx, it.rec)
    if #it.writes > 0 and not it.write then
      skipped = skipped + 1
    end
    if it.go and it.rec ~= '' then
      seenP[it.rec] = true
    end
  end
end

-- Phase 3: write.
for _, it in ipairs(items) do
  if not it.compact then
    if it.write then
      for _, x in ipairs(it.writes) do
        redis.call('XADD', KEYS[x.s], '*', unpack(ARGV, x.from, x.to))
      end
    end
    if it.go and it.rec ~= '' then
      addRecord(it.pfx, it.rec)
    end
    if it.go and it.ack > 0 then
      addAck(it.ack, it.id)
    end
  end
end
-- A window's hashes expire two windows after it opens, one after the
-- other (spread apart by up to a second each), so that Redis frees one
-- hash per expire cycle instead of the whole window at once.
local spread = math.min(math.floor(ttl / (2 * shards)), 1000)
for key, r in pairs(records) do
  for lo = 1, #r, CHUNK do
    redis.call('HSET', key, unpack(r, lo, math.min(lo + CHUNK - 1, #r)))
  end
  redis.call('PEXPIREAT', key, string.format('%.0f', (w + 2) * ttl + r.shard * spread))
end
for s, a in pairs(acks) do
  for lo = 1, #a, CHUNK do
    redis.call('XACK', KEYS[s], group, unpack(a, lo, math.min(lo + CHUNK - 1, #a)))
  end
end
local out = { skipped }
for _, k in ipairs(fenced) do
  out[#out + 1] = k
end
return out
