package runtime_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ordershop/functions/runtime"
)

func TestInvokeOutcomes(t *testing.T) {
	ctx := context.Background()
	mux := runtime.NewTypeMux()
	mux.OnFunc("ok", func(_ context.Context, m *runtime.Message) error {
		m.Emit("events:out", map[string]string{"type": "out", "event_id": "e2", "data": "{}"})
		return nil
	})
	mux.OnFunc("fail", func(context.Context, *runtime.Message) error { return errors.New("flaky") })
	mux.OnFunc("panic", func(context.Context, *runtime.Message) error { panic("boom") })
	mux.OnFunc("bad", func(_ context.Context, m *runtime.Message) error {
		var v struct{ N int }
		return m.Decode(&v)
	})
	fn := runtime.Function{Name: "t", Streams: []string{"events:in"}, Handler: mux, Types: []string{"ok", "fail", "panic", "bad"}}
	ev := func(typ, data string) map[string]string {
		return map[string]string{"type": typ, "event_id": "e1", "data": data}
	}
	if o := runtime.Invoke(ctx, fn, "events:in", ev("ok", "{}")); o.Err != nil || len(o.Emits) != 1 || o.Emits[0].Stream != "events:out" {
		t.Fatalf("ok: %+v", o)
	}
	if o := runtime.Invoke(ctx, fn, "events:in", ev("fail", "{}")); !o.Retry() || o.Permanent {
		t.Fatalf("fail: want a retry, got %+v", o)
	}
	var pe *runtime.PanicError
	if o := runtime.Invoke(ctx, fn, "events:in", ev("panic", "{}")); !errors.As(o.Err, &pe) || !o.Retry() {
		t.Fatalf("panic: want a retried *PanicError, got %+v", o)
	}
	if o := runtime.Invoke(ctx, fn, "events:in", ev("bad", `{"N":"x"}`)); !o.Permanent {
		t.Fatalf("bad payload: want permanent, got %+v", o)
	}
	var de *runtime.DecodeError
	if o := runtime.Invoke(ctx, fn, "events:in", map[string]string{"type": "ok", "data": "{}"}); !errors.As(o.Err, &de) || !o.Permanent {
		t.Fatalf("no event_id: want a permanent *DecodeError, got %+v", o)
	}
	if o := runtime.Invoke(ctx, fn, "events:in", ev("other", "{}")); !o.Skipped || o.Err != nil {
		t.Fatalf("filtered type: want skipped, got %+v", o)
	}
}
