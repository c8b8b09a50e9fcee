package runtimetest_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
	"github.com/ordershop/functions/runtime/runtimetest"
	"github.com/ordershop/functions/runtime/typed"
)

type thing struct {
	N int `json:"n"`
}

// echo emits every thing.happened to events:<name>-out, fails permanently
// on n < 0 and fails its first attempt on n == 13.
func echo(name string) runtime.Function {
	mux := runtime.NewTypeMux()
	typed.On(mux, "thing.happened", func(_ context.Context, msg *runtime.Message, th thing) error {
		switch {
		case th.N < 0:
			return runtime.Permanent(errors.New("negative"))
		case th.N == 13 && msg.Attempt == 1:
			return errors.New("unlucky")
		}
		msg.Emit("events:"+name+"-out", map[string]string{"type": "thing.echoed", "event_id": msg.EventID + "/echo", "data": string(msg.Data)})
		return nil
	})
	return runtime.Function{Name: name, Streams: []string{"events:" + name}, Types: mux.Types(), Handler: mux, MaxAttempts: 3}
}

func TestInvoke(t *testing.T) {
	fn := echo("kit")
	tests := []struct {
		name          string
		fields        map[string]string
		wantEmits     int
		wantPermanent bool
		wantRetry     bool
		wantSkipped   bool
	}{
		{"emits", runtimetest.Entry(t, "thing.happened", "e1", thing{N: 1}), 1, false, false, false},
		{"permanent", runtimetest.Entry(t, "thing.happened", "e2", `{"n":-1}`), 0, true, false, false},
		{"retried", runtimetest.Entry(t, "thing.happened", "e3", []byte(`{"n":13}`)), 0, false, true, false},
		{"malformed data is permanent", runtimetest.Entry(t, "thing.happened", "e4", `{"n":"x"}`), 0, true, false, false},
		{"no event id is permanent", map[string]string{"type": "thing.happened", "data": "{}"}, 0, true, false, false},
		{"other types are skipped", runtimetest.Entry(t, "thing.vanished", "e5", `{}`, "entity_id", "k1"), 0, false, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := runtimetest.Invoke(t, fn, "events:kit", tc.fields)
			if len(out.Emits) != tc.wantEmits || out.Permanent != tc.wantPermanent || out.Retry() != tc.wantRetry || out.Skipped != tc.wantSkipped {
				t.Errorf("outcome = %+v (retry %v)", out, out.Retry())
			}
		})
	}
}

func TestEntry(t *testing.T) {
	f := runtimetest.Entry(t, "a.b", "e1", map[string]int{"n": 1}, "entity_id", "x")
	if f["type"] != "a.b" || f["event_id"] != "e1" || f["data"] != `{"n":1}` || f["entity_id"] != "x" || len(f) != 4 {
		t.Errorf("entry = %v", f)
	}
}

// TestStartPublishSettle runs two functions, the second on what the first
// emits, and settles them: emits, a retry and a dead letter included.
func TestStartPublishSettle(t *testing.T) {
	rdb := runtimetest.StartRedis(t).Client(t)
	first, second := echo("kit-a"), echo("kit-b")
	second.Streams = []string{"events:kit-a-out"}
	second.Types = nil
	second.Handler = runtime.HandlerFunc(func(_ context.Context, msg *runtime.Message) error {
		msg.Emit("events:kit-b-out", map[string]string{"type": "thing.seen", "event_id": msg.EventID + "/seen", "data": "{}"})
		return nil
	})
	run := runtimetest.Start(t, rdb, first, second)
	for i, n := range []int{1, 13, -1, 2} {
		run.Publish(t, "events:kit-a", runtimetest.Entry(t, "thing.happened", "e"+string(rune('0'+i)), thing{N: n}))
	}
	run.Settle(t)

	seen, err := rdb.XLen(context.Background(), "events:kit-b-out").Result()
	if err != nil || seen != 3 {
		t.Errorf("second function's emits = %d, %v; want 3 (the retried event's too)", seen, err)
	}
	dead := run.DeadLetters(t, "kit-a")
	if len(dead) != 1 || dead[0].Fields["event_id"] != "e2" || !dead[0].Permanent || dead[0].Attempts != 1 {
		t.Errorf("dead letters = %+v, want e2's, permanent, after 1 attempt", dead)
	}
	if d := runtimetest.DeadLetters(t, rdb, "kit-b"); len(d) != 0 {
		t.Errorf("second function's dead letters = %+v", d)
	}
}

// The kit on a partitioned family: Invoke takes an entry of a partition,
// and Settle waits for every partition the function reads.
func TestKitOnPartitions(t *testing.T) {
	fn := echo("kit-p")
	fn.Partitioned, fn.OrderingKey = true, "entity_id"
	if out := runtimetest.Invoke(t, fn, "events:kit-p:{p3}", runtimetest.Entry(t, "thing.happened", "e1", thing{N: 1})); len(out.Emits) != 1 {
		t.Fatalf("invoke on a partition: %+v", out)
	}
	rdb := runtimetest.StartRedis(t).Client(t)
	run := runtimetest.Start(t, rdb, fn)
	fam, err := partition.Lookup(context.Background(), rdb, "events:kit-p")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		key := "k" + strconv.Itoa(i)
		run.Publish(t, fam.StreamOf(key), runtimetest.Entry(t, "thing.happened", "e"+strconv.Itoa(i), thing{N: i + 100}, "entity_id", key))
	}
	run.Settle(t)
	if n, err := rdb.XLen(context.Background(), "events:kit-p-out").Result(); err != nil || n != 40 {
		t.Fatalf("after Settle %d emits, %v; want all 40", n, err)
	}
}
