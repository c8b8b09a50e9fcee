package runtime

import (
	"context"
	"errors"
	"io"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// readAs creates group on stream (if needed), adds n entries and delivers
// them to consumer; it returns their ids.
func readAs(t *testing.T, rdb *redis.Client, stream, group, consumer string, n int) []string {
	t.Helper()
	ctx := context.Background()
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "$").Err(); err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		t.Fatal(err)
	}
	var ids []string
	for i := range n {
		ids = append(ids, rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", "x" + strconv.Itoa(i), "data", "{}"}}).Val())
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: int64(n)}).Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func outEmit(stream, eventID string) []Emit {
	return []Emit{{Stream: stream, Fields: map[string]string{"type": "done", "event_id": "out-" + eventID, "data": "{}"}}}
}

// dropFirstReply is a go-redis hook that lets the first script run reach
// Redis and then loses its reply, as a connection cut after the write.
type dropFirstReply struct{ dropped atomic.Bool }

func (h *dropFirstReply) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *dropFirstReply) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *dropFirstReply) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if (cmd.Name() == "evalsha" || cmd.Name() == "eval") && err == nil && h.dropped.CompareAndSwap(false, true) {
			cmd.SetErr(io.ErrUnexpectedEOF)
			return io.ErrUnexpectedEOF
		}
		return err
	}
}

// TestRetryPathDeadLetterIsWrittenOnceAfterALostReply (finding 12): a dead
// letter of the retry path (no stream entry to ack) whose commit reply is
// lost is committed again by the committer's retry; it must be written once.
func TestRetryPathDeadLetterIsWrittenOnceAfterALostReply(t *testing.T) {
	_, rdb := startRedis(t)
	hook := &dropFirstReply{}
	rdb.AddHook(hook)
	ctx := context.Background()
	records := newDoneRecords(rdb, "fn", time.Hour)
	c := testCommitter(records, "c")
	dl := newDeadLetterEntry("fn", &Message{Stream: "events:r", ID: "1-1", Attempt: 3, Fields: map[string]string{"type": "t", "event_id": "r1", "data": "{}"}}, errors.New("boom"), time.Now())
	emitItem := &commitItem{eventID: "r2", record: true, emits: outEmit("events:out", "r2")}
	var got error
	done := make(chan struct{})
	item := &commitItem{deadLetter: &dl, done: func(err error) { got = err; close(done) }}
	c.write([]*commitItem{item, emitItem})
	<-done
	if got != nil || !hook.dropped.Load() {
		t.Fatalf("commit err=%v, reply dropped=%v", got, hook.dropped.Load())
	}
	if n := rdb.XLen(ctx, DeadLetterStream("fn")).Val(); n != 1 {
		t.Fatalf("%d dead letters after a retried commit, want 1", n)
	}
	if n := rdb.XLen(ctx, "events:out").Val(); n != 1 {
		t.Fatalf("%d emits after a retried commit, want 1", n)
	}
	// The same event dead-lettered at a later attempt (a replay that
	// failed again) is a new dead letter.
	dl2 := newDeadLetterEntry("fn", &Message{Stream: "events:r", ID: "1-1", Attempt: 4, Fields: map[string]string{"type": "t", "event_id": "r1", "data": "{}"}}, errors.New("boom"), time.Now())
	if err := c.exec(ctx, []*commitItem{{deadLetter: &dl2}}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(ctx, DeadLetterStream("fn")).Val(); n != 2 {
		t.Fatalf("%d dead letters after a later attempt's, want 2", n)
	}
}

// TestCommitOfAConsumerThatLostItsEntryWritesNothing (fencing): A reads an
// entry, B claims it while A's handler runs; A's commit writes nothing (no
// emit, no record, no ack), B's commit writes.
func TestCommitOfAConsumerThatLostItsEntryWritesNothing(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	const stream, group, out = "events:f", "fn", "events:out"
	ids := readAs(t, rdb, stream, group, "A", 2)
	if err := rdb.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: group, Consumer: "B", Messages: ids[:1]}).Err(); err != nil {
		t.Fatal(err)
	}
	records := newDoneRecords(rdb, group, time.Hour)
	a, b := testCommitter(records, "A"), testCommitter(records, "B")
	var fenced []string
	a.onFenced = func(stream, id string) { fenced = append(fenced, id) }
	item := func(id, ev string) *commitItem {
		return &commitItem{stream: stream, id: id, ack: true, eventID: ev, record: true, emits: outEmit(out, ev)}
	}
	dl := Emit{Stream: DeadLetterStream(group), Fields: map[string]string{"type": "t", DLQFieldStream: stream, DLQFieldEntryID: ids[0], DLQFieldAttempts: "1"}}
	// A's group: the lost entry succeeded, and (a second item) failed for
	// good; and one entry A still owns.
	lostDL := &commitItem{stream: stream, id: ids[0], ack: true, eventID: "x0", deadLetter: &dl}
	if err := a.exec(ctx, []*commitItem{item(ids[0], "x0"), lostDL, item(ids[1], "x1")}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(ctx, out).Val(); n != 1 {
		t.Fatalf("%d emits after A's commit, want 1 (only the entry A still owns)", n)
	}
	if n := rdb.XLen(ctx, DeadLetterStream(group)).Val(); n != 0 {
		t.Fatalf("%d dead letters written by a consumer that lost its entry", n)
	}
	if d, _ := records.Done(ctx, refs(stream, "x0", "x1")); d[0] || !d[1] {
		t.Fatalf("records %v, want x0 not recorded, x1 recorded", d)
	}
	p := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: group, Start: "-", End: "+", Count: 10}).Val()
	if len(p) != 1 || p[0].ID != ids[0] || p[0].Consumer != "B" {
		t.Fatalf("pending %+v, want only %s, on B", p, ids[0])
	}
	if len(fenced) != 2 || fenced[0] != ids[0] {
		t.Fatalf("fenced reports %v, want %s twice", fenced, ids[0])
	}
	if err := b.exec(ctx, []*commitItem{item(ids[0], "x0")}); err != nil {
		t.Fatal(err)
	}
	if n, p := rdb.XLen(ctx, out).Val(), rdb.XPending(ctx, stream, group).Val().Count; n != 2 || p != 0 {
		t.Fatalf("after B's commit: %d emits, %d pending; want 2 and 0", n, p)
	}
}

// TestWindowsSurviveClockSkew (finding 11): two committers whose clocks are
// 2 s apart across a window boundary commit the same event: one emit, and
// both see the record.
func TestWindowsSurviveClockSkew(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	ttl := time.Hour
	boundary := time.UnixMilli((time.Now().UnixMilli()/ttl.Milliseconds() + 1) * ttl.Milliseconds())
	ahead, behind := newDoneRecords(rdb, "fn", ttl), newDoneRecords(rdb, "fn", ttl)
	ahead.Now = func() time.Time { return boundary.Add(time.Second) }
	behind.Now = func() time.Time { return boundary.Add(-time.Second) }
	ca, cb := testCommitter(ahead, "A"), testCommitter(behind, "B")
	if err := ca.exec(ctx, []*commitItem{{eventID: "x", record: true, emits: outEmit("events:out", "x")}}); err != nil {
		t.Fatal(err)
	}
	if d, err := behind.Done(ctx, refs("", "x")); err != nil || !d[0] {
		t.Fatalf("the instance behind does not see the record: %v %v", d, err)
	}
	if err := cb.exec(ctx, []*commitItem{{eventID: "x", record: true, emits: outEmit("events:out", "x")}}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(ctx, "events:out").Val(); n != 1 {
		t.Fatalf("%d emits by two committers 2 s apart at a window boundary, want 1", n)
	}
	// By Redis's clock (no override): a record filed one window ahead (a
	// Redis whose clock moved back, after a failover) is still seen.
	ts, err := rdb.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	w := ts.UnixMilli() / ttl.Milliseconds()
	redisClock := newDoneRecords(rdb, "fn", ttl)
	f := recordField("y")
	rdb.HSet(ctx, redisClock.Key("", w+1, f), f, "1")
	if d, _ := redisClock.Done(ctx, refs("", "y")); !d[0] {
		t.Fatal("a record of window w+1 not found")
	}
	cr := testCommitter(redisClock, "C")
	if err := cr.exec(ctx, []*commitItem{{eventID: "y", record: true, emits: outEmit("events:out", "y")}}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.XLen(ctx, "events:out").Val(); n != 1 {
		t.Fatal("an event recorded in window w+1 was emitted again")
	}
}

// TestRecordsAreShardedPerWindow (bounded records per hash): a window's
// records spread over doneShards hashes, none holding much more than its
// share.
func TestRecordsAreShardedPerWindow(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	records := newDoneRecords(rdb, "fn", time.Hour)
	c := testCommitter(records, "c")
	const n = 20000
	for lo := 0; lo < n; lo += maxCommitGroup {
		var group []*commitItem
		for i := lo; i < min(lo+maxCommitGroup, n); i++ {
			group = append(group, &commitItem{eventID: "e" + strconv.Itoa(i), record: true})
		}
		if err := c.exec(ctx, group); err != nil {
			t.Fatal(err)
		}
	}
	keys := rdb.Keys(ctx, DoneKeyPrefix("fn", "")+"*").Val()
	total, most := int64(0), int64(0)
	for _, k := range keys {
		l := rdb.HLen(ctx, k).Val()
		total, most = total+l, max(most, l)
	}
	if total != n {
		t.Fatalf("%d records in %d hashes, want %d", total, len(keys), n)
	}
	if len(keys) < 16 || most > 2*n/int64(len(keys)) {
		t.Fatalf("%d records in %d hashes, the largest %d fields: not bounded per hash", n, len(keys), most)
	}
	// The window's hashes expire one after the other, not at once.
	at := map[int64]bool{}
	for _, k := range keys {
		at[rdb.PExpireTime(ctx, k).Val().Milliseconds()] = true
	}
	if len(at) != len(keys) {
		t.Fatalf("%d hashes expire at %d distinct times, want each at its own", len(keys), len(at))
	}
	ids := make([]string, 0, 600)
	for i := 0; i < n; i += 37 {
		ids = append(ids, "e"+strconv.Itoa(i))
	}
	d, err := records.Done(ctx, refs("", append(ids, "never")...))
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range d[:len(ids)] {
		if !ok {
			t.Fatalf("%s not found", ids[i])
		}
	}
	if d[len(ids)] {
		t.Fatal("an event never committed is reported done")
	}
	t.Logf("%d records in %d hashes, the largest %d fields", n, len(keys), most)
}

// TestOversizeWriteFailsBeforeAnyWrite: a group whose one item carries a
// write over the limit (which intake and the emit check keep from ever
// reaching the committer) fails as a whole before it writes anything.
func TestOversizeWriteFailsBeforeAnyWrite(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	const stream, group = "events:o", "fn"
	ids := readAs(t, rdb, stream, group, "c", 2)
	c := testCommitter(newDoneRecords(rdb, group, time.Hour), "c")
	huge := map[string]string{"type": "t"}
	for i := range 5000 {
		huge["f"+strconv.Itoa(i)] = "v"
	}
	err := c.exec(ctx, []*commitItem{
		{stream: stream, id: ids[0], ack: true, eventID: "x0", record: true, emits: outEmit("events:out", "x0")},
		{stream: stream, id: ids[1], ack: true, eventID: "x1", record: true, emits: []Emit{{Stream: "events:out", Fields: huge}}},
	})
	if err == nil {
		t.Fatal("an oversize write was accepted")
	}
	t.Logf("refused: %v (redis error %v)", err, isRedisReply(err))
	if n, p := rdb.XLen(ctx, "events:out").Val(), rdb.XPending(ctx, stream, group).Val().Count; n != 0 || p != 2 {
		t.Fatalf("after a failed commit: %d emits, %d pending; want 0 and 2 (nothing written)", n, p)
	}
	if keys := rdb.Keys(ctx, DoneKeyPrefix(group, stream)+"*").Val(); len(keys) != 0 {
		t.Fatalf("records written by a failed commit: %v", keys)
	}
}
