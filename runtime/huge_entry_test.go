package runtime_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// hugeEntry is an event of n fields in all (type, event_id, data and
// padding); typ "" leaves out the type.
func hugeEntry(typ, eventID string, n int) map[string]any {
	fields := map[string]any{"event_id": eventID, "data": "{}"}
	if typ != "" {
		fields["type"] = typ
	}
	for i := 0; len(fields) < n; i++ {
		fields["pad"+strconv.Itoa(i)] = "x"
	}
	return fields
}

// TestHugeEntryIsDeadLetteredWhole (finding 1): a 5,000-field entry whose
// handler fails permanently, between three good events, must not commit
// half a group: exactly the three emits, one dead letter, all acked.
func TestHugeEntryIsDeadLetteredWhole(t *testing.T) {
	rdb, stream, name := fixture(t, "huge")
	out := stream + ":out"
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, MaxAttempts: 3,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if m.EventID == "big" {
				return runtime.Permanent(errors.New("too big to handle"))
			}
			m.Emit(out, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
			return nil
		})})
	publish(t, rdb, stream, "t", "g1", map[string]int{})
	publish(t, rdb, stream, "t", "g2", map[string]int{})
	bigID := xadd(t, rdb, stream, hugeEntry("t", "big", 5000))
	publish(t, rdb, stream, "t", "g3", map[string]int{})

	redistest.Eventually(t, 10*time.Second, func() bool {
		return len(deadLetters(t, rdb, name)) == 1 && pending(t, rdb, stream, name) == 0
	}, "one dead letter, nothing pending")
	redistest.Eventually(t, 5*time.Second, func() bool { return xlen(t, rdb, out) >= 3 }, "three emits")
	if n := xlen(t, rdb, out); n != 3 {
		t.Fatalf("%d emitted events, want exactly 3", n)
	}
	dl := deadLetters(t, rdb, name)[0]
	if dl.EntryID != bigID || dl.Stream != stream || dl.Fields["event_id"] != "big" || dl.Fields["type"] != "t" {
		t.Fatalf("dead letter %s %s fields %d (event_id %q type %q), want the huge entry %s", dl.Stream, dl.EntryID, len(dl.Fields), dl.Fields["event_id"], dl.Fields["type"], bigID)
	}
	if !dl.Permanent || !dl.Truncated || !strings.Contains(dl.Error, "entry too large") {
		t.Fatalf("dead letter permanent=%v truncated=%v error=%q", dl.Permanent, dl.Truncated, dl.Error)
	}
	if len(dl.Fields) > runtime.MaxEntryFields {
		t.Fatalf("dead letter keeps %d fields, over the limit %d", len(dl.Fields), runtime.MaxEntryFields)
	}
	// Nothing turns up later (no retry of a half-written group).
	time.Sleep(300 * time.Millisecond) // a quiet period: there is no event to poll for
	if n, d := xlen(t, rdb, out), len(deadLetters(t, rdb, name)); n != 3 || d != 1 {
		t.Fatalf("later: %d emits, %d dead letters; want 3 and 1", n, d)
	}
}

// TestHugeEntryWithoutTypeIsDeadLettered (finding 1): a 5,000-field entry
// without type was acked with no dead letter; it must be dead-lettered.
func TestHugeEntryWithoutTypeIsDeadLettered(t *testing.T) {
	rdb, stream, name := fixture(t, "hugenotype")
	ran := startCounting(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}}, nil)
	id := xadd(t, rdb, stream, hugeEntry("", "nt", 5000))
	publish(t, rdb, stream, "t", "after", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool {
		return len(deadLetters(t, rdb, name)) == 1 && pending(t, rdb, stream, name) == 0 && ran.get("after") == 1
	}, "dead letter of the huge entry, later event run")
	dl := deadLetters(t, rdb, name)[0]
	if dl.EntryID != id || !dl.Permanent {
		t.Fatalf("dead letter of %s permanent=%v, want %s permanent", dl.EntryID, dl.Permanent, id)
	}
}

// TestHugeEmitDeadLettersTheInvocation: a handler that emits an event
// over the limit fails permanently (it could never be written), instead of
// wedging the committer.
func TestHugeEmitDeadLettersTheInvocation(t *testing.T) {
	rdb, stream, name := fixture(t, "hugeemit")
	out := stream + ":out"
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			fields := map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"}
			if m.EventID == "big" {
				for i := range 5000 {
					fields["pad"+strconv.Itoa(i)] = "x"
				}
			}
			m.Emit(out, fields)
			return nil
		})})
	publish(t, rdb, stream, "t", "big", map[string]int{})
	publish(t, rdb, stream, "t", "small", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool {
		return len(deadLetters(t, rdb, name)) == 1 && pending(t, rdb, stream, name) == 0 && xlen(t, rdb, out) == 1
	}, "the huge emit dead-lettered, the small one written")
	dl := deadLetters(t, rdb, name)[0]
	if dl.Fields["event_id"] != "big" || !dl.Permanent || !strings.Contains(dl.Error, "too large") {
		t.Fatalf("dead letter event %q permanent=%v error=%q", dl.Fields["event_id"], dl.Permanent, dl.Error)
	}
}
