package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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
	done, err := c.records.Done(ctx, []string{"x", "z"})
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
	if done, _ := c.records.Done(ctx, []string{"w"}); !done[0] {
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
	if done, _ := records.Done(ctx, []string{"x"}); !done[0] {
		t.Fatal("record of the previous window not found")
	}
	if err := c.exec(ctx, []*commitItem{{eventID: "x", record: true, emits: emit}}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(ctx, "events:out").Val(); n != 1 {
		t.Fatalf("%d emitted events, want 1: the previous window's record was ignored", n)
	}
}
