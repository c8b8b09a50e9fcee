package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime"
)

// PacedOptions describe a paced latency measurement.
type PacedOptions struct {
	// Rate is the publish rate, events per second.
	Rate int
	// Duration is how long events are published.
	Duration    time.Duration
	Concurrency int
	Payload     int
}

// PacedResult is the publish→handler-start latency of a paced run.
type PacedResult struct {
	Rate int `json:"rate"`
	// Events is the number of events published (the same as Published;
	// named as in drain results).
	Events    int     `json:"events"`
	Emit      bool    `json:"emit"`
	Seconds   float64 `json:"seconds"`
	Published int     `json:"published"`
	Handled   int     `json:"handled"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	// KeptUp: the publisher held the rate (within 5%) and every event was
	// handled within a second of the last publish.
	KeptUp      bool `json:"kept_up"`
	Concurrency int  `json:"concurrency"`
	// GCCycles, GCPauses, GCPauseP99ms and GCPauseMaxMs are this
	// process's garbage collections over the run and their
	// stop-the-world pauses (runtime/metrics; upper bucket bounds).
	GCCycles     uint64  `json:"gc_cycles"`
	GCPauses     uint64  `json:"gc_pauses"`
	GCPauseP99ms float64 `json:"gc_pause_p99_ms"`
	GCPauseMaxMs float64 `json:"gc_pause_max_ms"`
}

// PacedRuntime publishes at o.Rate for o.Duration, in ticks of 1ms, to a
// stream the runtime consumes with a no-op handler, and measures the time
// from each XADD's start to its handler's start (the event carries the
// publish time in the field sent_ns).
func PacedRuntime(ctx context.Context, rdb redis.UniversalClient, o PacedOptions) (PacedResult, error) {
	if o.Rate <= 0 || o.Duration <= 0 {
		return PacedResult{}, fmt.Errorf("paced run needs a positive rate and duration")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	stream, fn := name(), "bench-"+name()[6:]
	defer cleanup(rdb, []string{stream, runtime.DeadLetterStream(fn)}, runtime.DoneKeyPrefix(fn, stream)+"*", "asynq:{"+runtime.RetryQueue(fn)+"}*")
	defer rdb.HDel(context.Background(), runtime.DefaultRegistryKey, fn)
	total := int(float64(o.Rate) * o.Duration.Seconds())
	lat := make([]time.Duration, 0, total)
	var mu sync.Mutex
	all := make(chan struct{})
	cfg := runtime.DefaultConfig()
	cfg.Concurrency = o.Concurrency
	cfg.ConsumerName = "bench"
	cfg.StartFrom = runtime.StartNew
	rt := runtime.New(cfg, rdb, zap.NewNop(), nil)
	err := rt.Register(runtime.Function{Name: fn, Streams: []string{stream},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			now := time.Now()
			sent, _ := strconv.ParseInt(m.Fields["sent_ns"], 10, 64)
			mu.Lock()
			lat = append(lat, now.Sub(time.Unix(0, sent)))
			if len(lat) == total {
				close(all)
			}
			mu.Unlock()
			return nil
		})})
	if err != nil {
		return PacedResult{}, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- rt.Run(runCtx) }()
	defer func() { stop(); <-done }()
	if err := waitReady(ctx, rt); err != nil {
		return PacedResult{}, err
	}
	data := payload(max(o.Payload, 16))
	gcBefore := sampleGC()
	start := time.Now()
	published, err := publishPaced(ctx, rdb, stream, data, o.Rate, total)
	if err != nil {
		return PacedResult{}, err
	}
	elapsed := time.Since(start)
	handledAll := false
	select {
	case <-all:
		handledAll = true
	case <-time.After(time.Second):
	}
	gcCycles, gcPauses, gcP99, gcMax := gcSince(gcBefore, sampleGC())
	mu.Lock()
	defer mu.Unlock()
	res := PacedResult{Rate: o.Rate, Seconds: elapsed.Seconds(), Events: published, Published: published, Handled: len(lat), Concurrency: o.Concurrency,
		GCCycles: gcCycles, GCPauses: gcPauses, GCPauseP99ms: gcP99, GCPauseMaxMs: gcMax}
	achieved := float64(published) / elapsed.Seconds()
	res.KeptUp = handledAll && achieved >= 0.95*float64(o.Rate)
	if len(lat) > 0 {
		s := slices.Clone(lat)
		slices.Sort(s)
		res.P50ms = ms(s[len(s)/2])
		res.P99ms = ms(s[min(len(s)-1, len(s)*99/100)])
		res.MaxMs = ms(s[len(s)-1])
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// publishPaced XADDs total events at rate per second: every millisecond it
// sends the events that are due, one pipelined round trip.
func publishPaced(ctx context.Context, rdb redis.UniversalClient, stream, data string, rate, total int) (int, error) {
	start := time.Now()
	sent := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for sent < total {
		<-tick.C
		due := min(total, int(time.Since(start).Seconds()*float64(rate))+1)
		if due <= sent {
			continue
		}
		pipe := rdb.Pipeline()
		for ; sent < due; sent++ {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{
				"type", "bench.event", "event_id", "p-" + strconv.Itoa(sent), "data", data,
				"sent_ns", strconv.FormatInt(time.Now().UnixNano(), 10)}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return sent, fmt.Errorf("publish: %w", err)
		}
	}
	return sent, nil
}

func waitReady(ctx context.Context, rt *runtime.Runtime) error {
	deadline := time.Now().Add(10 * time.Second)
	for rt.Ready(ctx) != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("runtime not ready after 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}
