-- commit.lua writes one group of settled invocations of one function,
-- atomically (a script runs alone on the Redis node, like MULTI/EXEC).
--
-- KEYS[1]  the function's current idempotency hash
-- KEYS[2]  the previous window's idempotency hash
-- KEYS[3…] every stream the group acks, emits to or dead-letters to
--
-- ARGV[1]  expire-at of KEYS[1], Unix milliseconds
-- ARGV[2]  the consumer group (the function's name)
-- ARGV[3…] the items, each:
--            ack   index into KEYS of the entry's stream, 0 for none
--            id    the entry id to ack ("" for none)
--            rec   the record field (event id fingerprint) to set, "" for none
--            guard the record field whose presence voids the writes,
--                  "" for none
--            n     the number of writes that follow (emits, dead letter)
--          then n writes, each: stream index into KEYS, field count f,
--          f values (field, value, field, value…)
--
-- An item with writes is guarded. With a guard (its event's record field),
-- its writes are skipped if the record exists (another run of the event
-- committed, or this very commit is retried after a lost reply) or an
-- earlier item of this group wrote the same event. Without a guard (a dead
-- letter), its entry is acked on its own first and its writes are skipped
-- if that acks nothing (the entry was settled already). All other acks are
-- one XACK per stream, all records one HSET.
--
-- Returns the number of items whose writes were skipped.
local group = ARGV[2]
local i = 3
local plain = {}
local records = {}
local written = {}
local skipped = 0
local prev = redis.call('EXISTS', KEYS[2]) == 1
while i <= #ARGV do
  local ack, id, rec, guard, n = tonumber(ARGV[i]), ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  i = i + 5
  local write = true
  if n > 0 and guard == '' and ack > 0 then
    write = redis.call('XACK', KEYS[ack], group, id) == 1
  elseif ack > 0 then
    local ids = plain[ack]
    if ids == nil then
      ids = {}
      plain[ack] = ids
    end
    ids[#ids + 1] = id
  end
  if n > 0 and guard ~= '' then
    write = not written[guard] and redis.call('HEXISTS', KEYS[1], guard) == 0
      and not (prev and redis.call('HEXISTS', KEYS[2], guard) == 1)
    written[guard] = true
  end
  if not write then
    skipped = skipped + 1
  end
  for _ = 1, n do
    local s, f = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
    if write then
      redis.call('XADD', KEYS[s], '*', unpack(ARGV, i + 2, i + 1 + f))
    end
    i = i + 2 + f
  end
  if rec ~= '' then
    records[#records + 1] = rec
    records[#records + 1] = '1'
  end
end
if #records > 0 then
  redis.call('HSET', KEYS[1], unpack(records))
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
end
for s, ids in pairs(plain) do
  redis.call('XACK', KEYS[s], group, unpack(ids))
end
return skipped
