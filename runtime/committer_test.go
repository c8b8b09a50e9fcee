package runtime

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/partition"
)

// TestCommitWritesEachEventOnce drives the committer directly: the same
// event twice in one group, the same group committed twice (a retry after
// a lost reply), and a dead letter committed twice must each write once.
func TestCommitWritesEachEventOnce(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	const stream, group, out = "events:c", "fn", "events:out"
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 3 {
		ids = append(ids, rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", "x", "data", "{}"}}).Val())
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}}).Err(); err != nil {
		t.Fatal(err)
	}
	c := testCommitter(newDoneRecords(rdb, group, time.Hour), "c")
	emit := []Emit{{Stream: out, Fields: map[string]string{"type": "done", "event_id": "y", "data": "{}"}}}
	dl := Emit{Stream: DeadLetterStream(group), Fields: map[string]string{"type": "t", DLQFieldError: "boom"}}
	batch := []*commitItem{
		{stream: stream, id: ids[0], ack: true, eventID: "x", record: true, emits: emit},
		{stream: stream, id: ids[1], ack: true, eventID: "x", record: true, emits: emit}, // same event again
		{stream: stream, id: ids[2], ack: true, eventID: "z", deadLetter: &dl},
	}
	for run := 1; run <= 2; run++ {
		if err := c.exec(ctx, batch); err != nil {
			t.Fatalf("commit %d: %v", run, err)
		}
		if n := rdb.XLen(ctx, out).Val(); n != 1 {
			t.Fatalf("after commit %d: %d emitted events, want 1", run, n)
		}
		if n := rdb.XLen(ctx, DeadLetterStream(group)).Val(); n != 1 {
			t.Fatalf("after commit %d: %d dead letters, want 1", run, n)
		}
		if p := rdb.XPending(ctx, stream, group).Val().Count; p != 0 {
			t.Fatalf("after commit %d: %d pending", run, p)
		}
	}
	done, err := c.records.Done(ctx, refs(stream, "x", "z"))
	if err != nil || !done[0] || done[1] {
		t.Fatalf("records done=%v err=%v; want x recorded, z (dead-lettered) not", done, err)
	}
	// A group of plain acks and records is idempotent too.
	w := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", "w", "data", "{}"}}).Val()
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}}).Err(); err != nil {
		t.Fatal(err)
	}
	plain := []*commitItem{{stream: stream, id: w, ack: true, eventID: "w", record: true}}
	for range 2 {
		if err := c.exec(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	if done, _ := c.records.Done(ctx, refs(stream, "w")); !done[0] {
		t.Fatal("plain commit did not record")
	}
	if p := rdb.XPending(ctx, stream, group).Val().Count; p != 0 {
		t.Fatalf("plain commit left %d pending", p)
	}
}

// TestCommitSeesRecordsOfThePreviousWindow: an event recorded in the
// previous idempotency window is still done: its emits are not written.
func TestCommitSeesRecordsOfThePreviousWindow(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	records := newDoneRecords(rdb, "fn", time.Hour)
	c := testCommitter(records, "c")
	emit := []Emit{{Stream: "events:out", Fields: map[string]string{"type": "done", "event_id": "y", "data": "{}"}}}
	records.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	if err := c.exec(ctx, []*commitItem{{eventID: "x", record: true, emits: emit}}); err != nil {
		t.Fatal(err)
	}
	records.Now = time.Now
	if done, _ := records.Done(ctx, refs("", "x")); !done[0] {
		t.Fatal("record of the previous window not found")
	}
	if err := c.exec(ctx, []*commitItem{{eventID: "x", record: true, emits: emit}}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(ctx, "events:out").Val(); n != 1 {
		t.Fatalf("%d emitted events, want 1: the previous window's record was ignored", n)
	}
}

// TestTakenOverEntryIsCommittedByItsNewOwnerOnly (fencing, end to end):
// instance A is running an entry's handler when the entry is claimed by
// consumer B. A's commit must write nothing (no emit, no ack: the entry
// stays B's) and is counted as fenced; B then runs it and its commit writes.
func TestTakenOverEntryIsCommittedByItsNewOwnerOnly(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	const stream, name, out = "events:fence", "fence", "events:fence:out"
	running, release := make(chan struct{}), make(chan struct{})
	handler := func(block bool) Function {
		return Function{Name: name, Streams: []string{stream},
			Handler: HandlerFunc(func(ctx context.Context, m *Message) error {
				if block {
					close(running)
					<-release
				}
				m.Emit(out, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
				return nil
			})}
	}
	// A neither renews nor reclaims during the test (the takeover is done
	// by hand below, so that it happens exactly while A's handler runs).
	cfgA := checkConfig("A")
	cfgA.ClaimInterval, cfgA.ClaimMinIdle = time.Hour, 3*time.Hour
	a := New(cfgA, rdb, zaptest.NewLogger(t), nil)
	if err := a.Register(handler(true)); err != nil {
		t.Fatal(err)
	}
	runFor(t, a)
	redistest.Eventually(t, 10*time.Second, func() bool { return a.Ready(ctx) == nil }, "A ready")
	id := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", "f1", "data", "{}"}}).Val()
	select {
	case <-running:
	case <-time.After(10 * time.Second):
		t.Fatal("A's handler did not start")
	}
	if err := rdb.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: name, Consumer: "B", Messages: []string{id}}).Err(); err != nil {
		t.Fatal(err)
	}
	close(release)
	requireFenced(t, rdb, a, name, stream, out, "B")
	// B starts, drains its own pending entry and commits it.
	b := New(checkConfig("B"), rdb, zaptest.NewLogger(t), nil)
	if err := b.Register(handler(false)); err != nil {
		t.Fatal(err)
	}
	runFor(t, b)
	redistest.Eventually(t, 10*time.Second, func() bool {
		return rdb.XLen(ctx, out).Val() == 1 && rdb.XPending(ctx, stream, name).Val().Count == 0
	}, "B's commit written")
}

// BenchmarkCommitGroup times the commit of groups of 100 settled entries
// (record and ack, no emits: the common case), per entry, and reports the
// Redis time the script takes per entry.
func BenchmarkCommitGroup(b *testing.B) {
	_, rdb := startRedis(b)
	ctx := context.Background()
	const stream, group, size = "events:b", "fn", 100
	rdb.XGroupCreateMkStream(ctx, stream, group, "$")
	c := testCommitter(newDoneRecords(rdb, group, time.Hour), "c")
	b.ResetTimer()
	for done := 0; done < b.N; done += size {
		b.StopTimer()
		pipe := rdb.Pipeline()
		for i := range size {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", strconv.Itoa(done + i), "data", "{}"}})
		}
		pipe.Exec(ctx)
		res := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}, Count: size}).Val()
		items := make([]*commitItem, 0, size)
		for _, m := range res[0].Messages {
			items = append(items, &commitItem{stream: stream, id: m.ID, ack: true, eventID: m.Values["event_id"].(string), record: true})
		}
		b.StartTimer()
		if err := c.exec(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// What the commit costs Redis itself (its one thread serves every
	// function): the script's time per entry, from INFO commandstats.
	for _, l := range strings.Split(rdb.Info(ctx, "commandstats").Val(), "\r\n") {
		if rest, ok := strings.CutPrefix(l, "cmdstat_evalsha:"); ok {
			for _, kv := range strings.Split(rest, ",") {
				if v, ok := strings.CutPrefix(kv, "usec="); ok {
					usec, _ := strconv.ParseFloat(v, 64)
					b.ReportMetric(usec/float64(b.N), "redis-µs/entry")
				}
			}
		}
	}
}

// TestFormerOwnerCommitsNothing (fencing by partition lease): an owner
// of a partition is running an entry's handler when its lease passes on,
// expired (nobody holds it) or taken by another tenure, while the entry is
// still pending to it. Its commit must write nothing: no emit, no ack, no
// idempotency record, and it is counted as fenced.
func TestFormerOwnerCommitsNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steal func(rdb *redis.Client, lease string)
	}{
		{"lease expired", func(rdb *redis.Client, lease string) { rdb.Del(context.Background(), lease) }},
		{"lease taken over", func(rdb *redis.Client, lease string) { rdb.Set(context.Background(), lease, "B:99", time.Minute) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rdb := startRedis(t)
			ctx := context.Background()
			const family, name, out = "events:lf", "lf", "events:lf-out"
			running, release := make(chan struct{}), make(chan struct{})
			cfg := checkConfig("A")
			cfg.Partitions = 1
			cfg.PartitionLease = time.Minute // renewed every 20 s: not during the test
			a := New(cfg, rdb, zaptest.NewLogger(t), nil)
			if err := a.Register(Function{Name: name, Streams: []string{family}, Partitioned: true, OrderingKey: "entity_id",
				Handler: HandlerFunc(func(ctx context.Context, m *Message) error {
					close(running)
					<-release
					m.Emit(out, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
					return nil
				})}); err != nil {
				t.Fatal(err)
			}
			runFor(t, a)
			lease := partition.Lease(name, 0)
			redistest.Eventually(t, 10*time.Second, func() bool { return rdb.Exists(ctx, lease).Val() == 1 }, "A holds the partition")
			stream := partition.Stream(family, 0)
			rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", "f1", "data", "{}", "entity_id", "x"}})
			select {
			case <-running:
			case <-time.After(10 * time.Second):
				t.Fatal("A's handler did not start")
			}
			tc.steal(rdb, lease)
			close(release)
			// Still pending to A: the next owner claims it.
			requireFenced(t, rdb, a, name, stream, out, "A")
		})
	}
}

// requireFenced waits until a's commit of the one entry of stream (event
// f1) is counted as fenced, and checks that it wrote nothing: no emit to
// out, no record, and the entry still pending to pendingTo.
func requireFenced(t *testing.T, rdb *redis.Client, a *Runtime, name, stream, out, pendingTo string) {
	t.Helper()
	ctx := context.Background()
	fenced := a.metrics.forStream(name, stream).Fenced
	redistest.Eventually(t, 10*time.Second, func() bool { var m dto.Metric; _ = fenced.Write(&m); return m.GetCounter().GetValue() == 1 }, "the commit fenced")
	if n := rdb.XLen(ctx, out).Val(); n != 0 {
		t.Fatalf("%d events emitted by an instance that no longer owned the entry", n)
	}
	p := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: name, Start: "-", End: "+", Count: 10}).Val()
	if len(p) != 1 || p[0].Consumer != pendingTo {
		t.Fatalf("pending %+v, want the entry still pending to %s", p, pendingTo)
	}
	if d, _ := newDoneRecords(rdb, name, a.cfg.IdempotencyTTL).Done(ctx, refs(stream, "f1")); d[0] {
		t.Fatal("the event was recorded as done")
	}
}
