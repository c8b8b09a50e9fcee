package runtimetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
)

// Running is a runtime running functions on a test's Redis until the test
// ends.
type Running struct {
	// Redis is the client the runtime runs on.
	Redis redis.UniversalClient
	fns   []runtime.Function
}

// TestConfig is the configuration Start runs with: the defaults, with
// waits short enough for tests — reads block 50ms, leases are 2s renewed
// every 200ms, retries back off from 10ms to 100ms (asynq runs a delayed
// retry on the next whole second), polled every 100ms — a shutdown
// bounded by 5s and a consumer name of its own.
func TestConfig() runtime.Config {
	cfg := runtime.DefaultConfig()
	cfg.ReadBlock = 50 * time.Millisecond
	cfg.ClaimMinIdle, cfg.ClaimInterval = 2*time.Second, 200*time.Millisecond
	cfg.BackoffBase, cfg.BackoffMax = 10*time.Millisecond, 100*time.Millisecond
	cfg.RetryPollInterval = 100 * time.Millisecond
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ConsumerName = fmt.Sprintf("runtimetest-%d", seq.Add(1))
	return cfg
}

// Start runs fns on rdb with TestConfig until t ends, and returns once the
// runtime is ready. Give each test a Redis (StartRedis) or function names
// of its own.
func Start(t testing.TB, rdb redis.UniversalClient, fns ...runtime.Function) *Running {
	t.Helper()
	return StartConfig(t, rdb, TestConfig(), fns...)
}

// StartConfig is Start with cfg. When t ends the runtime is shut down
// (cfg.ShutdownTimeout) and its logs are written to the test log if t
// failed.
func StartConfig(t testing.TB, rdb redis.UniversalClient, cfg runtime.Config, fns ...runtime.Function) *Running {
	t.Helper()
	logs := &proctest.Buffer{}
	logger := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(logs), zap.InfoLevel))
	rt := runtime.New(cfg, rdb, logger, nil)
	for _, fn := range fns {
		if err := rt.Register(fn); err != nil {
			t.Fatalf("runtimetest: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	t.Cleanup(func() { cancel(); awaitStop(t, done, cfg.ShutdownTimeout+5*time.Second, logs) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := rt.Ready(ctx)
		if err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("runtimetest: runtime stopped before it was ready: %v\n%s", err, logs.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("runtimetest: runtime not ready after 10s: %v\n%s", err, logs.String())
		}
	}
	return &Running{Redis: rdb, fns: fns}
}

// Publish appends an entry with fields (see Entry) to stream and returns
// its entry id.
func (r *Running) Publish(t testing.TB, stream string, fields map[string]string) string {
	t.Helper()
	values := make(map[string]any, len(fields))
	for k, v := range fields {
		values[k] = v
	}
	id, err := r.Redis.XAdd(t.Context(), &redis.XAddArgs{Stream: stream, Values: values}).Result()
	if err != nil {
		t.Fatalf("runtimetest: XADD %s: %v", stream, err)
	}
	return id
}

// DeadLetters returns the dead letters of function, oldest first.
func (r *Running) DeadLetters(t testing.TB, function string) []inspect.DeadLetter {
	t.Helper()
	return DeadLetters(t, r.Redis, function)
}

// DeadLetters returns the dead letters of function in rdb, oldest first.
func DeadLetters(t testing.TB, rdb redis.UniversalClient, function string) []inspect.DeadLetter {
	t.Helper()
	msgs, err := rdb.XRange(t.Context(), runtime.DeadLetterStream(function), "-", "+").Result()
	if err != nil {
		t.Fatalf("runtimetest: XRANGE %s: %v", runtime.DeadLetterStream(function), err)
	}
	out := make([]inspect.DeadLetter, len(msgs))
	for i, m := range msgs {
		if out[i], err = inspect.ParseDeadLetter(m); err != nil {
			t.Fatalf("runtimetest: dead letter %s: %v", m.ID, err)
		}
	}
	return out
}

// awaitStop waits until the runtime's Run has returned on done, at most
// bound, and logs the runtime's logs if t failed.
func awaitStop(t testing.TB, done <-chan error, bound time.Duration, logs *proctest.Buffer) {
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runtimetest: runtime: %v", err)
		}
	case <-time.After(bound):
		t.Errorf("runtimetest: runtime still running %s after the test", bound)
	}
	if t.Failed() {
		t.Logf("runtimetest: runtime logs:\n%s", logs.String())
	}
}
