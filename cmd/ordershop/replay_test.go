package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestReplayAfterTheFixSucceedsExactlyOnce(t *testing.T) {
	rdb := srv.Client(t)
	fn, stream := opstest.Unique("billing"), opstest.Unique("events:order")
	sw := opstest.StartBroken(t, rdb, fn, stream)
	_, id := opstest.FailOne(t, rdb, fn, stream, "order.created", "ev-fix", "o1", map[string]int{"qty": 2})

	sw.Fix()
	out, _ := wantCode(t, exitOK, "dlq", "replay", fn, "--id", id)
	if !strings.Contains(out, "replayed 1 dead letter(s) of "+fn) {
		t.Errorf("replay says %q", out)
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return sw.Succeeded("ev-fix") == 1 }, "the replayed event runs")
	// The dead letter leaves the stream when the replay's run commits,
	// just after the handler returned: poll for it.
	redistest.Eventually(t, 10*time.Second, func() bool { return len(opstest.DeadLetters(t, rdb, fn)) == 0 }, "the replayed dead letter leaves the dead letters")

	// Again: the entry is gone, nothing is scheduled, the event ran once.
	_, errOut := wantCode(t, exitNotFound, "dlq", "replay", fn, "--id", id)
	if !strings.Contains(errOut, "not found") {
		t.Errorf("second replay says %q", errOut)
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		var st []ops.FunctionStatus
		decode(t, &st, "status", "--json")
		for _, f := range st {
			if f.Name == fn {
				return f.Retrying == 0 && f.Dead == 0 && f.Pending == 0
			}
		}
		return false
	}, "nothing retrying, dead or pending")
	if n := sw.Succeeded("ev-fix"); n != 1 {
		t.Fatalf("event ran %d times, want exactly once", n)
	}
}

func TestReplayOfAStillFailingEventReturnsWithMoreAttempts(t *testing.T) {
	rdb := srv.Client(t)
	fn, stream := opstest.Unique("crm"), opstest.Unique("events:customer")
	opstest.StartBroken(t, rdb, fn, stream)
	for _, ev := range []string{"c-1", "c-2"} {
		opstest.Publish(t, rdb, stream, "customer.created", ev, ev, map[string]string{})
	}
	before := map[string]bool{}
	for _, id := range opstest.WaitDead(t, rdb, fn, 2) {
		before[id] = true
	}

	var res ops.ReplayResult
	decode(t, &res, "dlq", "replay", fn, "--all", "--json")
	if res.Replayed != 2 {
		t.Fatalf("replay --all: %+v", res)
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		dls := opstest.DeadLetters(t, rdb, fn)
		return len(dls) == 2 && !before[dls[0].ID] && !before[dls[1].ID]
	}, "both back in the dead-letter stream")
	for _, dl := range opstest.DeadLetters(t, rdb, fn) {
		if dl.Attempts != 3 || dl.Stream != stream {
			t.Errorf("returned dead letter of %s: attempts %d, stream %s; want 3 and %s", dl.Fields["event_id"], dl.Attempts, dl.Stream, stream)
		}
	}
}

func TestStatusWatchRefreshesUntilCancelled(t *testing.T) {
	seedOne(t, opstest.Unique("watched"))
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut proctest.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"status", "--watch", "--interval", "500ms", "--json"}, streams{stdout: &out, stderr: &errOut, getenv: getenv(nil)})
	}()
	redistest.Eventually(t, 10*time.Second, func() bool { return strings.Count(out.String(), "\n") >= 2 }, "two refreshes")
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d after Ctrl-C, want 0; stderr %s", code, errOut.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var st []ops.FunctionStatus
		if err := json.Unmarshal([]byte(line), &st); err != nil {
			t.Fatalf("watch line is not JSON: %v: %s", err, line)
		}
	}
}

func TestEventsTailPrintsUntilCancelled(t *testing.T) {
	rdb := srv.Client(t)
	agg := opstest.Unique("order")
	opstest.Publish(t, rdb, "events:"+agg, "order.created", "ev-tail", "o7", map[string]int{"qty": 4})
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut proctest.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"events", "tail", agg, "--from-start"}, streams{stdout: &out, stderr: &errOut, getenv: getenv(nil)})
	}()
	redistest.Eventually(t, 10*time.Second, func() bool { return strings.Contains(out.String(), `"qty": 4`) }, "the event printed")
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d, want 0; stderr %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "order.created  entity=o7  event_id=ev-tail") {
		t.Fatalf("tail output:\n%s", out.String())
	}
}
