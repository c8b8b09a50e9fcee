package eventstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The scripts of a split command's steps (split.go), each on the keys of
// one hash slot.

// setGuardsScript sets a slot's guards unless one is set to another value
// (the same value is this command's own, set by an earlier try).
//
// KEYS the guards; ARGV their values. Returns the 1-based index of a guard
// set by another command, or 0 when all are set.
var setGuardsScript = redis.NewScript(`
for j = 1, #KEYS do
  local v = redis.call('GET', KEYS[j])
  if v and v ~= ARGV[j] then return j end
end
for j = 1, #KEYS do redis.call('SET', KEYS[j], ARGV[j]) end
return 0
`)

// undoGuardsScript deletes a slot's guards that hold this command's
// values. KEYS the guards; ARGV their values.
var undoGuardsScript = redis.NewScript(`
for j = 1, #KEYS do
  if redis.call('GET', KEYS[j]) == ARGV[j] then redis.call('DEL', KEYS[j]) end
end
return 0
`)

// dropClaimScript deletes the claim KEYS[1] if it still holds ARGV[1].
var dropClaimScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

func setGuards(ctx context.Context, w *writer, st step) (int, error) {
	keys, values := make([]string, len(st.Guards)), make([]any, len(st.Guards))
	for i, gd := range st.Guards {
		keys[i], values[i] = gd[0], gd[1]
	}
	reply, acked := w.script(ctx, setGuardsScript, keys, values...)
	j, err := reply.Int()
	if err != nil {
		return 0, fmt.Errorf("commit: guards of {%s}: %w", st.Tag, err)
	}
	if j == 0 {
		w.note(acked)
	}
	return j, nil
}

// undoGuards takes back the guards of steps and drops the claim: a guard
// of a later step was set by another command. It is best effort, and
// waits for no replica: the command fails with the guard's error anyway.
func undoGuards(ctx context.Context, rdb redis.UniversalClient, steps []step, claimKey, pending string) {
	ctx = context.WithoutCancel(ctx)
	for _, st := range steps {
		if len(st.Guards) == 0 {
			continue
		}
		keys, values := make([]string, len(st.Guards)), make([]any, len(st.Guards))
		for i, gd := range st.Guards {
			keys[i], values[i] = gd[0], gd[1]
		}
		_ = undoGuardsScript.Run(ctx, rdb, keys, values...).Err()
	}
	if claimKey != "" {
		_ = dropClaimScript.Run(ctx, rdb, []string{claimKey}, pending).Err()
	}
}

// stepScript sets a slot's guards (if it checks them), appends its events
// and deletes its released keys, once if there is a marker.
//
// KEYS[1 .. m] the step's done marker (m = 1) or none; then g guards,
// then the released keys, then the streams
// ARGV[1] m; ARGV[2] the marker's TTL in ms; ARGV[3] g; ARGV[4] r, the
// number of released keys; ARGV[5 .. 4+g] the guards' values; then per
// event: its stream's index into KEYS, the number of field/value strings
// n, and the n strings
//
// A guard set to another value than this command's fails the step:
// {"guarded", its 1-based index}.
// Every check comes before the first write (a script's writes stay when
// it fails later): a stream key of another type fails the step before it
// writes anything. Returns {"done"} if the marker existed (nothing
// written), else {"ok", entry id…}.
var stepScript = redis.NewScript(writesPrelude + `
local m, g, r = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
if m == 1 and redis.call('EXISTS', KEYS[1]) == 1 then return {'done'} end
for j = 1, g do
  local v = redis.call('GET', KEYS[m + j])
  if v and v ~= ARGV[4 + j] then return {'guarded', tostring(j)} end
end
local bad = notStreams(m + g + r + 1)
if bad then return bad end
if m == 1 then redis.call('SET', KEYS[1], '1', 'PX', ARGV[2]) end
return writeGuardsAndEvents(m, g, r, 5, 5 + g)
`)

// markerKey says that step st of plan p is done: in the step's slot.
func markerKey(p plan, st step) string { return "shop:commit:{" + st.Tag + "}:" + p.ID }

// runStep runs one step, recording its entry ids in ids; with guards it
// checks and sets the step's guards too. It returns the 1-based index of
// a guard set by another command (then it wrote nothing), else 0.
func runStep(ctx context.Context, w *writer, p plan, st step, marked, guards bool, ids []string) (int, error) {
	var keys []string
	args := []any{"0", "0", 0, len(st.Release)}
	if marked {
		ttl := p.TTLms
		if ttl <= 0 {
			ttl = int64(24 * time.Hour / time.Millisecond)
		}
		keys = append(keys, markerKey(p, st))
		args[0], args[1] = "1", ttl
	}
	if guards {
		args[2] = len(st.Guards)
		for _, gd := range st.Guards {
			keys = append(keys, gd[0])
			args = append(args, gd[1])
		}
	}
	keys = append(keys, st.Release...)
	streamIndex := map[string]int{}
	for _, e := range st.Events {
		idx, ok := streamIndex[e.Stream]
		if !ok {
			keys = append(keys, e.Stream)
			idx = len(keys)
			streamIndex[e.Stream] = idx
		}
		args = append(args, idx, len(e.Fields))
		for _, f := range e.Fields {
			args = append(args, f)
		}
	}
	if len(keys) == 0 { // guards only, set in phase 2, and no marker
		return 0, nil
	}
	reply, acked := w.script(ctx, stepScript, keys, args...)
	res, err := reply.StringSlice()
	if err != nil {
		return 0, fmt.Errorf("commit: step {%s}: %w", st.Tag, err)
	}
	switch {
	case len(res) == 1 && res[0] == "done":
		return 0, nil
	case len(res) == 2 && res[0] == "guarded":
		if j, _ := strconv.Atoi(res[1]); j >= 1 && j <= len(st.Guards) {
			return j, nil
		}
	case len(res) == 1+len(st.Events) && res[0] == "ok":
		w.note(acked)
		for i, e := range st.Events {
			ids[e.Index] = res[1+i]
		}
		return 0, nil
	}
	return 0, fmt.Errorf("commit: step {%s}: unexpected reply %q", st.Tag, res)
}
