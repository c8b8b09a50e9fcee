package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// TestDeadLetterGauge: /metrics reports how many dead letters wait, per
// function, so that a growing dead-letter stream can be alerted on.
func TestDeadLetterGauge(t *testing.T) {
	rdb, stream, name := fixture(t, "dlgauge")
	metrics := runtime.NewMetrics()
	rt := runtime.New(testConfig(), rdb, zaptest.NewLogger(t), metrics)
	if err := rt.Register(runtime.Function{Name: name, Streams: []string{stream},
		Handler: runtime.HandlerFunc(func(context.Context, *runtime.Message) error {
			return runtime.Permanent(errors.New("no"))
		})}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for _, id := range []string{"a", "b", "c"} {
		publish(t, rdb, stream, "t", id, map[string]int{})
	}
	gauge := func() float64 {
		families, err := metrics.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() != "functions_dead_letters" {
				continue
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "function" && l.GetValue() == name {
						return m.GetGauge().GetValue()
					}
				}
			}
		}
		return -1
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return gauge() == 3 }, "functions_dead_letters = 3")
	if err := rdb.XTrimMaxLen(context.Background(), runtime.DeadLetterStream(name), 1).Err(); err != nil {
		t.Fatal(err)
	}
	if g := gauge(); g != 1 {
		t.Errorf("after purging to 1 entry the gauge says %v", g)
	}
}
