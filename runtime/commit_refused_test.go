package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// TestRefusedCommitDeadLettersOnlyItsInvocation: a handler emits to a key
// that is not a stream. The script refuses the group before writing
// anything; the committer then writes its items one by one and
// dead-letters the one that can never be written, instead of retrying the
// whole group forever.
func TestRefusedCommitDeadLettersOnlyItsInvocation(t *testing.T) {
	rdb, stream, name := fixture(t, "refused")
	out, notAStream := stream+":out", stream+":hash"
	rdb.HSet(context.Background(), notAStream, "k", "v")
	cfg := testConfig()
	start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 1,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			to := out
			if m.EventID == "bad" {
				to = notAStream
			}
			m.Emit(to, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
			return nil
		})})
	publish(t, rdb, stream, "t", "good1", map[string]int{})
	publish(t, rdb, stream, "t", "bad", map[string]int{})
	publish(t, rdb, stream, "t", "good2", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool {
		return xlen(t, rdb, out) == 2 && len(deadLetters(t, rdb, name)) == 1 && pending(t, rdb, stream, name) == 0
	}, "two emits, one dead letter, nothing pending")
	dl := deadLetters(t, rdb, name)[0]
	if dl.Fields["event_id"] != "bad" || !dl.Permanent || !strings.Contains(dl.Error, "commit refused") || !strings.Contains(dl.Error, "not a stream") {
		t.Fatalf("dead letter of %q permanent=%v error %q", dl.Fields["event_id"], dl.Permanent, dl.Error)
	}
}
