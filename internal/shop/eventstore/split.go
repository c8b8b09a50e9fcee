package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// A command whose keys span several hash slots of a Redis Cluster cannot
// be one script. commitSplit does it in steps, one script per slot
// (a slot's guards, released keys and events), in three phases:
//
//  1. Claim (with an Idempotency-Key): the claim is set, in its own slot,
//     to the command's plan — every step, with the events and their ids
//     fixed — marked pending. A claim that exists already is answered
//     (done) or finished (pending: Resume), never done twice.
//  2. Guards, when several slots have some (a batch of inventory entries
//     of products in several partitions, an entry moved to another
//     product): each slot's guards are set, slot by slot in tag order,
//     each slot all or none. If one is set by another command, the guards
//     set by the earlier slots are deleted again and the claim with them:
//     the command wrote nothing and fails with the guard's Err. When one
//     slot only has guards (a command about one entity, whose claim is in
//     another slot), its step goes first and checks them itself: the
//     command's writes are that one script.
//  3. Events: each slot's events are appended and its released keys
//     deleted, each step once (with a claim, a marker key in the step's
//     slot says it is done), then the claim is set to its answer.
//
// A client that retries with the same Idempotency-Key after a failure in
// phase 3 (Redis lost, gateway killed) finishes the same plan: the same
// events, each step once. Without a key a failure in phase 3 leaves the
// steps done so far, which a reader may see (a batch POST half done).
// Between steps other commands and readers see a command half done.

// pendingPrefix starts the value of a claim whose command is being done in
// steps; the plan follows in JSON.
const pendingPrefix = "pending:"

// IsPending reports whether a claim's value is the plan of a command being
// done in steps (Resume finishes it).
func IsPending(value string) bool { return strings.HasPrefix(value, pendingPrefix) }

// plan is a command split into per-slot steps.
type plan struct {
	// ID names the steps' done markers.
	ID string `json:"id"`
	// Value is the claim's value once the command is done; TTLms its TTL.
	Value string `json:"value,omitempty"`
	TTLms int64  `json:"ttl_ms,omitempty"`
	Steps []step `json:"steps"`
	// events is the number of events of the command.
	Events int `json:"events"`
}

// step is what a command writes in one slot.
type step struct {
	Tag     string      `json:"tag"`
	Guards  [][2]string `json:"guards,omitempty"` // key, value
	Release []string    `json:"release,omitempty"`
	Events  []stepEvent `json:"events,omitempty"`
}

// stepEvent is one event of a step: its index in the command, its stream
// and its fields, flattened.
type stepEvent struct {
	Index  int      `json:"index"`
	Stream string   `json:"stream"`
	Fields []string `json:"fields"`
}

// makePlan groups cmd's keys by hash tag, in tag order.
func makePlan(cmd Command, streams []string) plan {
	byTag := map[string]*step{}
	at := func(key string) *step {
		t := hashTag(key)
		if byTag[t] == nil {
			byTag[t] = &step{Tag: t}
		}
		return byTag[t]
	}
	for _, gd := range cmd.Guards {
		st := at(gd.Key)
		st.Guards = append(st.Guards, [2]string{gd.Key, gd.Value})
	}
	for _, k := range cmd.Release {
		st := at(k)
		st.Release = append(st.Release, k)
	}
	for i, e := range cmd.Events {
		var fields []string
		for k, v := range e.Fields() {
			fields = append(fields, k, v)
		}
		st := at(streams[i])
		st.Events = append(st.Events, stepEvent{Index: i, Stream: streams[i], Fields: fields})
	}
	p := plan{ID: uuid.NewString(), Events: len(cmd.Events)}
	for _, st := range byTag {
		p.Steps = append(p.Steps, *st)
	}
	sort.Slice(p.Steps, func(i, j int) bool { return p.Steps[i].Tag < p.Steps[j].Tag })
	return p
}

// commitSplit is Commit for a command whose keys span several slots.
// w does its writes; a Result comes with w's ShortError, if any of the
// writes it did fell short of the replicas asked for.
func (s *Store) commitSplit(ctx context.Context, w *writer, cmd Command, streams []string) (Result, error) {
	p := makePlan(cmd, streams)
	errs := map[string]error{}
	for _, gd := range cmd.Guards {
		errs[gd.Key] = gd.Err
	}
	claimKey, pending := "", ""
	if cmd.Claim != nil {
		p.Value, p.TTLms = cmd.Claim.Value, cmd.Claim.TTL.Milliseconds()
		raw, err := json.Marshal(p)
		if err != nil {
			return Result{}, fmt.Errorf("commit: plan: %w", err)
		}
		claimKey, pending = cmd.Claim.Key, pendingPrefix+string(raw)
		prev, err := claim(ctx, w, claimKey, pending, cmd.Claim.TTL)
		if err != nil {
			return Result{}, err
		}
		if prev != "" { // done by another request (perhaps finished here: Resume)
			return Result{Replayed: true, Previous: prev}, w.short()
		}
	}
	ids, err := runPlan(ctx, w, p, errs, claimKey, pending)
	if err != nil {
		return Result{}, err
	}
	return Result{EntryIDs: ids}, w.short()
}

// guardErr is what a command fails with when guard key is set by another.
func guardErr(errs map[string]error, key string) error {
	if err := errs[key]; err != nil {
		return err
	}
	return fmt.Errorf("guard %s: %w", key, ErrGuarded)
}

// claim sets key to pending unless it exists; if it does, it returns its
// value once its command is done (Resume). A claim that vanishes meanwhile
// (its command failed on a guard) is claimed again, a few times.
func claim(ctx context.Context, w *writer, key, pending string, ttl time.Duration) (string, error) {
	for range 3 {
		set, acked := replicated(ctx, w, key, func(c redis.Cmdable) *redis.BoolCmd { return c.SetNX(ctx, key, pending, ttl) })
		ok, err := set.Result()
		if err != nil {
			return "", fmt.Errorf("commit: claim %s: %w", key, err)
		}
		if ok {
			w.note(acked)
			return "", nil
		}
		prev, err := resume(ctx, w, key)
		if err != nil || prev != "" {
			return prev, err
		}
	}
	return "", fmt.Errorf("commit: claim %s: taken and dropped again and again", key)
}

// Resume finishes the command whose claim is key, if it is pending (a
// split command a failure interrupted, or one another request is doing
// now), and returns the claim's value once done ("" if the claim is gone:
// the command failed on a guard and wrote nothing). With Replication, a
// step it did that fewer replicas acknowledged in time makes it return
// the value with a *ShortError; a claim done already returns no
// shortness (Resume wrote nothing).
func (s *Store) Resume(ctx context.Context, key string) (string, error) {
	w := s.writer()
	prev, err := resume(ctx, w, key)
	if err != nil {
		return "", err
	}
	return prev, w.short()
}

// resume is Resume with the writes done by w.
func resume(ctx context.Context, w *writer, key string) (string, error) {
	value, err := w.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("resume %s: %w", key, err)
	}
	if !IsPending(value) {
		return value, nil
	}
	var p plan
	if err := json.Unmarshal([]byte(strings.TrimPrefix(value, pendingPrefix)), &p); err != nil {
		return "", fmt.Errorf("resume %s: plan: %w", key, err)
	}
	if _, err := runPlan(ctx, w, p, nil, key, value); err != nil {
		return "", fmt.Errorf("resume %s: %w", key, err)
	}
	return p.Value, nil
}

// runPlan does phases 2 and 3 of a split command (see commitSplit). errs
// maps a guard key to what to fail with when it is set already (ErrGuarded
// if absent); claimKey is the claim, pending its pending value ("" for a
// command without a claim). It returns the events' entry ids in order
// ("" for the events of a step done before).
func runPlan(ctx context.Context, w *writer, p plan, errs map[string]error, claimKey, pending string) ([]string, error) {
	// One slot with guards (a command about one entity, whose claim is
	// elsewhere): that step goes first and checks its guards in its own
	// script, so the command's writes are one script. Several: phase 2
	// sets every guard before any event.
	var steps, guarded []step
	for _, st := range p.Steps {
		if len(st.Guards) > 0 {
			guarded = append(guarded, st)
		} else {
			steps = append(steps, st)
		}
	}
	steps = append(guarded, steps...)
	inStep := len(guarded) == 1
	if !inStep {
		for i, st := range guarded {
			j, err := setGuards(ctx, w, st)
			if err != nil {
				return nil, err
			}
			if j > 0 {
				undoGuards(ctx, w.rdb, guarded[:i], claimKey, pending)
				return nil, guardErr(errs, st.Guards[j-1][0])
			}
		}
	}
	ids := make([]string, p.Events)
	for _, st := range steps {
		j, err := runStep(ctx, w, p, st, claimKey != "", inStep, ids)
		if err != nil {
			return nil, err
		}
		if j > 0 { // only the first step checks guards
			undoGuards(ctx, w.rdb, nil, claimKey, pending)
			return nil, guardErr(errs, st.Guards[j-1][0])
		}
	}
	if claimKey != "" {
		set, acked := replicated(ctx, w, claimKey, func(c redis.Cmdable) *redis.StatusCmd {
			return c.SetArgs(ctx, claimKey, p.Value, redis.SetArgs{Mode: "XX", KeepTTL: true})
		})
		switch err := set.Err(); {
		case err == nil:
			w.note(acked)
		case !errors.Is(err, redis.Nil):
			return nil, fmt.Errorf("commit: answer claim %s: %w", claimKey, err)
		}
	}
	return ids, nil
}
