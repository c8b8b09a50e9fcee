package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// Guard is a key a command sets to say "done once": deleting an entity,
// paying an order, giving a product its inventory entry. A command whose
// guard is set already writes nothing and fails with Err.
type Guard struct {
	// Key is the guard key; Value what it is set to (e.g. the new id).
	Key, Value string
	// Err is what Commit returns when the key was set already.
	Err error
}

// Claim is an idempotency record written with a command's events: Key is
// set to Value for TTL unless it exists, in which case nothing is written
// and Commit reports the stored value instead.
type Claim struct {
	Key   string
	Value string
	TTL   time.Duration
}

// Command is what one request writes to the event log, all of it or none:
// its events, the guards it sets and the guards it releases (deletes), and
// the idempotency record that makes a repeat of it a no-op.
type Command struct {
	Events  []model.Event
	Guards  []Guard
	Release []string
	Claim   *Claim
}

// Result is the outcome of Commit. When Replayed is true nothing was
// written: the command's Claim key existed already, and Previous is its
// value (the answer of the request that wrote it). Otherwise EntryIDs are
// the stream entry ids of the events, in order.
type Result struct {
	EntryIDs []string
	Replayed bool
	Previous string
}

// commitScript writes a Command atomically: nothing is written unless every
// check passes, and every check comes before the first write, so a script
// error (bad arguments, a stream key that is no stream) cannot leave half
// a command behind.
//
// KEYS[1 .. c]             the claim key if there is one (c = 1), else none
// KEYS[c+1 .. c+g]         guard keys that must not exist
// KEYS[c+g+1 .. c+g+r]     guard keys to delete
// KEYS[c+g+r+1 ..]         the streams the events go to
//
// ARGV[1] c: 1 if there is a claim, else 0
// ARGV[2] g, the number of guards
// ARGV[3] r, the number of released guards
// ARGV[4] the claim's value; ARGV[5] its TTL in milliseconds
// ARGV[6 .. 5+g] the guards' values
// then per event: its stream's index into KEYS, the number of field/value
// strings n, and the n strings
//
// Returns {"replay", previous value}, {"guarded", index of the guard (1-based)},
// or {"ok", entry id…}.
var commitScript = redis.NewScript(writesPrelude + `
local c, g, r = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if c == 1 then
  local prev = redis.call('GET', KEYS[1])
  if prev then return {'replay', prev} end
end
for j = 1, g do
  if redis.call('EXISTS', KEYS[c + j]) == 1 then return {'guarded', tostring(j)} end
end
local bad = notStreams(c + g + r + 1)
if bad then return bad end
if c == 1 then redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5]) end
return writeGuardsAndEvents(c, g, r, 6, 6 + g)
`)

// writesPrelude is the Lua that commitScript and stepScript share: the
// check that the event streams are streams, and the writes of guards,
// released guards and events, in that order.
const writesPrelude = `
-- notStreams returns the error of the first of KEYS[from..] that is
-- neither a stream nor absent, else nil.
local function notStreams(from)
  for j = from, #KEYS do
    local t = redis.call('TYPE', KEYS[j]).ok
    if t ~= 'stream' and t ~= 'none' then return redis.error_reply('WRONGTYPE ' .. KEYS[j] .. ' is no stream') end
  end
  return nil
end

-- writeGuardsAndEvents sets the g guards KEYS[o+1..o+g] to
-- ARGV[v..v+g-1], deletes the r released keys after them, then appends
-- the events described from ARGV[a] (per event: its stream's index into
-- KEYS, n, n field/value strings) and returns {"ok", entry id...}.
local function writeGuardsAndEvents(o, g, r, v, a)
  for j = 1, g do redis.call('SET', KEYS[o + j], ARGV[v + j - 1]) end
  for j = 1, r do redis.call('DEL', KEYS[o + g + j]) end
  local out = {'ok'}
  while a <= #ARGV do
    local stream, n = KEYS[tonumber(ARGV[a])], tonumber(ARGV[a + 1])
    local args = {}
    for f = 1, n do args[f] = ARGV[a + 1 + f] end
    out[#out + 1] = redis.call('XADD', stream, '*', unpack(args))
    a = a + 2 + n
  end
  return out
end
`

// Commit writes cmd atomically (one Lua script, which Redis runs alone):
// if the claim key exists it writes nothing and reports the previous
// value; if a guard is set it writes nothing and returns that guard's Err;
// else it writes the claim, sets the guards, deletes the released keys and
// appends the events to their partitions (model.Log.StreamOf: the
// partition of each event's entity in the family of its type).
//
// On a Redis Cluster (a *redis.ClusterClient) a script's keys must share
// one hash slot. A command whose keys do (every key carries the hash tag
// of one partition, {p<p>}) is the same one script. One whose keys span
// several slots (a batch POST, a payment whose billing and order are in
// different partitions) is done in steps, one script per slot
// (commitSplit): effectively once, not atomic — see split.go.
//
// With Replication (WithReplication) every write is followed by WAIT on
// its connection; a command written whose writes fewer replicas
// acknowledged in time returns its Result and a *ShortError. A replay or
// a guard refusal (nothing written) reports no shortness.
func (s *Store) Commit(ctx context.Context, cmd Command) (Result, error) {
	streams := make([]string, len(cmd.Events))
	for i, e := range cmd.Events {
		stream, err := s.log.StreamOf(ctx, e)
		if err != nil {
			return Result{}, fmt.Errorf("commit %d events: %w", len(cmd.Events), err)
		}
		streams[i] = stream
	}
	if _, cluster := s.rdb.(*redis.ClusterClient); cluster && !oneSlot(commandKeys(cmd, streams)) {
		return s.commitSplit(ctx, s.writer(), cmd, streams)
	}
	var keys []string
	args := []any{"0", len(cmd.Guards), len(cmd.Release), "", "0"}
	if cmd.Claim != nil {
		keys = append(keys, cmd.Claim.Key)
		args[0], args[3], args[4] = "1", cmd.Claim.Value, strconv.FormatInt(cmd.Claim.TTL.Milliseconds(), 10)
	}
	for _, gd := range cmd.Guards {
		keys = append(keys, gd.Key)
		args = append(args, gd.Value)
	}
	keys = append(keys, cmd.Release...)
	streamIndex := map[string]int{}
	for i, e := range cmd.Events {
		idx, ok := streamIndex[streams[i]]
		if !ok {
			keys = append(keys, streams[i])
			idx = len(keys) // 1-based index into KEYS
			streamIndex[streams[i]] = idx
		}
		fields := e.Fields()
		args = append(args, idx, 2*len(fields))
		for k, v := range fields {
			args = append(args, k, v)
		}
	}
	w := s.writer()
	reply, acked := w.script(ctx, commitScript, keys, args...)
	res, err := reply.StringSlice()
	if err != nil {
		return Result{}, fmt.Errorf("commit %d events: %w", len(cmd.Events), err)
	}
	if len(res) == 0 {
		return Result{}, errors.New("commit: empty reply")
	}
	switch res[0] {
	case "replay":
		if len(res) != 2 {
			return Result{}, fmt.Errorf("commit: unexpected reply %q", res)
		}
		return Result{Replayed: true, Previous: res[1]}, nil
	case "guarded":
		j, _ := strconv.Atoi(res[1])
		if j < 1 || j > len(cmd.Guards) {
			return Result{}, fmt.Errorf("commit: unexpected reply %q", res)
		}
		gd := cmd.Guards[j-1]
		if gd.Err == nil {
			return Result{}, fmt.Errorf("guard %s: %w", gd.Key, ErrGuarded)
		}
		return Result{}, gd.Err
	case "ok":
		w.note(acked) // it wrote: a replay or a guard refusal wrote nothing
		return Result{EntryIDs: res[1:]}, w.short()
	}
	return Result{}, fmt.Errorf("commit: unexpected reply %q", res)
}
