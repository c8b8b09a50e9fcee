package ops_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/ops"
	"github.com/ordershop/functions/internal/testkit/opstest"
	"github.com/ordershop/functions/runtime"
)

func TestStatusCountsLagPendingRetryingAndDead(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn, stream := opstest.Unique("projector"), opstest.Unique("events:product")
	// A registered function whose group has read one of three entries.
	info, _ := json.Marshal(runtime.FunctionInfo{Name: fn, Group: fn, Streams: []string{stream}, MaxAttempts: 5})
	must(t, rdb.HSet(ctx, runtime.DefaultRegistryKey, fn, info).Err())
	for i := range 3 {
		opstest.Publish(t, rdb, stream, "product.created", "p"+string(rune('0'+i)), "p", map[string]int{})
	}
	must(t, rdb.XGroupCreate(ctx, stream, fn, "0").Err())
	must(t, rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: fn, Consumer: "host-1", Streams: []string{stream, ">"}, Count: 1}).Err())
	// One retry waiting, two dead letters.
	c := asynq.NewClientFromRedisClient(rdb)
	if _, err := c.Enqueue(asynq.NewTask("retry:"+fn, []byte("{}")), asynq.Queue(runtime.RetryQueue(fn)), asynq.ProcessIn(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		opstest.Seed(t, rdb, fn, opstest.DeadLetter{Stream: stream, EntryID: "1-1", Type: "t", EventID: "x", Data: "{}", Error: "e", Attempts: 5, Failed: time.Now()})
	}
	orphan := opstest.Unique("retired")
	opstest.Seed(t, rdb, orphan, opstest.DeadLetter{Stream: stream, EntryID: "1-1", Type: "t", EventID: "x", Data: "{}", Error: "e", Attempts: 1, Failed: time.Now()})

	st, err := ops.New(rdb).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ops.FunctionStatus{}
	for _, f := range st {
		byName[f.Name] = f
	}
	f, ok := byName[fn]
	if !ok {
		t.Fatalf("%s missing from status", fn)
	}
	if !f.Registered || f.Lag == nil || *f.Lag != 2 || f.Pending != 1 || f.Retrying != 1 || f.Dead != 2 {
		t.Errorf("status registered=%v lag=%v pending=%d retrying=%d dead=%d; want true 2 1 1 2",
			f.Registered, deref(f.Lag), f.Pending, f.Retrying, f.Dead)
	}
	if len(f.Streams) != 1 || f.Streams[0].Length != 3 || len(f.Streams[0].Consumers) != 1 ||
		f.Streams[0].Consumers[0].Name != "host-1" || f.Streams[0].Consumers[0].Pending != 1 {
		t.Errorf("stream status %+v", f.Streams)
	}
	if o, ok := byName[orphan]; !ok || o.Registered || o.Dead != 1 {
		t.Errorf("a function known only by its dead letters: %+v (found %v)", o, ok)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}
}

func TestStatusOfAStreamWithoutTheGroup(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("new")
	info, _ := json.Marshal(runtime.FunctionInfo{Name: fn, Group: fn, Streams: []string{opstest.Unique("events:none")}})
	must(t, rdb.HSet(ctx, runtime.DefaultRegistryKey, fn, info).Err())
	st, err := ops.New(rdb).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range st {
		if f.Name == fn && (f.Streams[0].GroupExists || f.Streams[0].Lag != nil || f.Lag != nil) {
			t.Fatalf("status of a missing stream: %+v", f)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
