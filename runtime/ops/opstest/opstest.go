// Package opstest seeds dead letters for the tests of the operator tools
// (inspect.Inspector, runtime/ops, runtime/admin, cmd/ordershop): by
// running a real runtime.Runtime with a failing handler, or by writing
// entries in the documented dlq format directly. It is for tests only.
package opstest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/partition"
	"github.com/ordershop/functions/runtime/runtimetest"
)

// config is a runtime Config tuned for fast tests: short blocks, backoff
// and retry polling, a lease of a second, a unique consumer name.
func config() runtime.Config {
	cfg := runtime.DefaultConfig()
	cfg.ReadBlock, cfg.ShutdownTimeout = 100*time.Millisecond, 5*time.Second
	cfg.BackoffBase, cfg.BackoffMax, cfg.RetryPollInterval = 50*time.Millisecond, 200*time.Millisecond, 50*time.Millisecond
	cfg.ClaimMinIdle, cfg.ClaimInterval = time.Second, 100*time.Millisecond
	cfg.ConsumerName = Unique("consumer")
	return cfg
}

// StartBroken runs function on stream until the test ends, with a
// Switch as its handler and MaxAttempts 2: every event it reads is
// dead-lettered after two failed attempts, until the Switch is fixed.
func StartBroken(t testing.TB, rdb redis.UniversalClient, function, stream string) *Switch {
	t.Helper()
	sw := NewSwitch()
	start(t, rdb, runtime.Function{Name: function, Streams: []string{stream}, MaxAttempts: 2, Handler: runtime.HandlerFunc(sw.Handle)})
	return sw
}

// Unique returns prefix with a random suffix, so that tests can share one
// Redis.
func Unique(prefix string) string { return prefix + "-" + uuid.NewString()[:8] }

// start runs a Runtime with fns until the test ends (t.Context is done),
// and waits until it is ready (runtimetest.StartConfig: Run must then
// return nil within the shutdown timeout).
func start(t testing.TB, rdb redis.UniversalClient, fns ...runtime.Function) {
	t.Helper()
	runtimetest.StartConfig(t, rdb, config(), fns...)
}

// EntityField is the entry field Publish names the entity in.
const EntityField = "entity_id"

// CausationField is the entry field that names an event's cause.
const CausationField = "causation_id"

// Options are the event-log conventions the tests' events follow:
// streams "events:<aggregate>", the entity in EntityField, the time in
// "time", the cause in CausationField.
var Options = ops.Options{StreamPrefix: "events:", EntityField: EntityField, TimeField: "time", CausationField: CausationField}

// Ops returns an ops.Ops on rdb with Options.
func Ops(rdb redis.UniversalClient) *ops.Ops { return ops.New(rdb, Options) }

// Publish appends a well-formed event (type, event_id, EntityField, data)
// to stream and returns its entry id.
func Publish(t testing.TB, rdb redis.UniversalClient, stream, typ, eventID, entityID string, data any) string {
	t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	id, err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: map[string]any{
		runtime.FieldType: typ, runtime.FieldEventID: eventID, EntityField: entityID, runtime.FieldData: string(b),
	}}).Result()
	if err != nil {
		t.Fatalf("XADD %s: %v", stream, err)
	}
	return id
}

// DeadLetter is a dead letter to write with Seed.
type DeadLetter struct {
	Stream, EntryID, Type, EventID, Data, Error string
	Attempts                                    int
	Failed                                      time.Time
}

// Seed XADDs dl to function's dead-letter stream in the documented format
// (runtime.DLQField*) and returns the new entry's id.
func Seed(t testing.TB, rdb redis.UniversalClient, function string, dl DeadLetter) string {
	t.Helper()
	at := dl.Failed.UTC().Format(time.RFC3339Nano)
	id, err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: runtime.DeadLetterStream(function), Values: map[string]any{
		runtime.FieldType: dl.Type, runtime.FieldEventID: dl.EventID, runtime.FieldData: dl.Data,
		runtime.DLQFieldFunction: function, runtime.DLQFieldStream: dl.Stream, runtime.DLQFieldEntryID: dl.EntryID,
		runtime.DLQFieldError: dl.Error, runtime.DLQFieldAttempts: strconv.Itoa(dl.Attempts),
		runtime.DLQFieldFirstFailure: at, runtime.DLQFieldLastFailure: at, runtime.DLQFieldPermanent: "false",
	}}).Result()
	if err != nil {
		t.Fatalf("seed dead letter: %v", err)
	}
	return id
}

// DeadLetters returns function's dead-letter entries, parsed, oldest first.
func DeadLetters(t testing.TB, rdb redis.UniversalClient, function string) []inspect.DeadLetter {
	t.Helper()
	return runtimetest.DeadLetters(t, rdb, function)
}

// WaitDead waits until function has n dead letters and returns their ids,
// oldest first.
func WaitDead(t testing.TB, rdb redis.UniversalClient, function string, n int) []string {
	t.Helper()
	redistest.Eventually(t, 15*time.Second, func() bool { return len(DeadLetters(t, rdb, function)) == n }, "%d dead letters", n)
	var ids []string
	for _, dl := range DeadLetters(t, rdb, function) {
		ids = append(ids, dl.ID)
	}
	return ids
}

// FailOne publishes an event (as Publish does) to the stream of a function
// started with StartBroken, waits until it is the function's only dead
// letter, and returns its entry id and the dead letter's id.
func FailOne(t testing.TB, rdb redis.UniversalClient, function, stream, typ, eventID, entityID string, data any) (entryID, deadLetterID string) {
	t.Helper()
	entryID = Publish(t, rdb, stream, typ, eventID, entityID, data)
	return entryID, WaitDead(t, rdb, function, 1)[0]
}

// Switch is a handler that fails every event while it is broken and
// counts successful runs per event id: the "cause" of a dead letter that
// an operator fixes before replaying.
type Switch struct {
	broken atomic.Bool
	mu     sync.Mutex
	ok     map[string]int
}

// NewSwitch returns a Switch that starts broken.
func NewSwitch() *Switch {
	s := &Switch{ok: map[string]int{}}
	s.broken.Store(true)
	return s
}

// Fix makes the handler succeed from now on.
func (s *Switch) Fix() { s.broken.Store(false) }

// Succeeded returns how many times the event ran successfully.
func (s *Switch) Succeeded(eventID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ok[eventID]
}

// Handle fails with "downstream unavailable" while broken.
func (s *Switch) Handle(_ context.Context, m *runtime.Message) error {
	if s.broken.Load() {
		return fmt.Errorf("downstream unavailable")
	}
	s.mu.Lock()
	s.ok[m.EventID]++
	s.mu.Unlock()
	return nil
}

// Group creates group on stream, reading from start ("0", "$" or an
// entry id), and the stream if it does not exist yet.
func Group(t testing.TB, rdb redis.UniversalClient, stream, group, start string) {
	t.Helper()
	if err := rdb.XGroupCreateMkStream(context.Background(), stream, group, start).Err(); err != nil {
		t.Fatalf("create group %s on %s: %v", group, stream, err)
	}
}

// Family opens the partitioned family stream with count partitions and
// creates group on each partition from its start.
func Family(t testing.TB, rdb redis.UniversalClient, stream string, count int, group string) partition.Family {
	t.Helper()
	fam, err := partition.Open(context.Background(), rdb, stream, count)
	if err != nil {
		t.Fatal(err)
	}
	for p := range fam.Count {
		Group(t, rdb, fam.Stream(p), group, "0")
	}
	return fam
}

// Register publishes info in the registry at key (a hash: field the
// function's name, value info as JSON), as a running function does.
func Register(t testing.TB, rdb redis.UniversalClient, key string, info runtime.FunctionInfo) {
	t.Helper()
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(context.Background(), key, info.Name, b).Err(); err != nil {
		t.Fatalf("register %s in %s: %v", info.Name, key, err)
	}
}

// HoldLease writes the lease of function's partition p as held by owner
// ("<instance>:<epoch>") for a minute, as the instance holding it does.
func HoldLease(t testing.TB, rdb redis.UniversalClient, function string, p int, owner string) {
	t.Helper()
	if err := rdb.Set(context.Background(), partition.Lease(function, p), owner, time.Minute).Err(); err != nil {
		t.Fatalf("hold lease %d of %s: %v", p, function, err)
	}
}
