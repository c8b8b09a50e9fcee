package runtime_test

import (
	"context"
	"errors"
	"strings"
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

func TestStreamID(t *testing.T) {
	id, err := runtime.ParseStreamID("1700000000000-18446744073709551615")
	if err != nil {
		t.Fatal(err)
	}
	if got := id.Next().String(); got != "1700000000001-0" {
		t.Fatalf("next of max seq: %s", got)
	}
	if runtime.CompareIDs("5-10", "5-9") != 1 || runtime.CompareIDs("4-99", "5-0") != -1 || runtime.CompareIDs("7-1", "7-1") != 0 {
		t.Fatal("CompareIDs orders by ms, then seq")
	}
	if _, err := runtime.ParseStreamID("x-1"); err == nil {
		t.Fatal("want an error for a malformed id")
	}
	if id, _ := runtime.ParseStreamID("42"); id.String() != "42-0" {
		t.Fatalf("bare ms: %s", id)
	}
}

// TestMiddlewareEmitsMeetTheSizeLimit: the emit limit covers what a
// Function.Middleware emits after its handler returned, not only the
// handler's own emits, and a middleware cannot swallow it: the invocation
// fails permanently and emits nothing.
func TestMiddlewareEmitsMeetTheSizeLimit(t *testing.T) {
	huge := strings.Repeat("x", runtime.MaxEntryBytes+1)
	audit := func(next runtime.Handler) runtime.Handler {
		return runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			err := next.Handle(ctx, m)
			m.Emit("events:audit", map[string]string{"type": "audited", "event_id": "a1", "data": `{"blob":"` + huge + `"}`})
			return err
		})
	}
	fn := runtime.Function{Name: "t", Streams: []string{"events:in"}, Middleware: []runtime.Middleware{audit},
		Handler: runtime.HandlerFunc(func(context.Context, *runtime.Message) error { return nil })}
	o := runtime.Invoke(context.Background(), fn, "events:in", map[string]string{"type": "t", "event_id": "e1", "data": "{}"})
	if !o.Permanent || o.Err == nil || len(o.Emits) != 0 {
		t.Fatalf("a middleware's emit over the size limit: err %v, permanent %v, %d emits; want a permanent failure and no emits", o.Err, o.Permanent, len(o.Emits))
	}
}
