package runtimetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// ReadUnacked reads up to n new entries of stream as consumer of group
// (created from the stream's start if missing) and never acks them: they
// stay pending on that consumer, as the work of one that crashed. Tests of
// takeover, reclaiming and status use it.
func ReadUnacked(t testing.TB, rdb redis.UniversalClient, stream, group, consumer string, n int64) {
	t.Helper()
	ctx := context.Background()
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		t.Fatalf("runtimetest: XGROUP CREATE %s %s: %v", stream, group, err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: n}).Err(); err != nil {
		t.Fatalf("runtimetest: XREADGROUP %s as %s: %v", stream, consumer, err)
	}
}

// WaitRetriesIdle waits, at most timeout, until function's retry queue
// holds no task (none scheduled, due, pending or running), failing the
// test then.
func WaitRetriesIdle(t testing.TB, rdb redis.UniversalClient, function string, timeout time.Duration) {
	t.Helper()
	if err := waitRetries(asynq.NewInspectorFromRedisClient(rdb), function, time.Now().Add(timeout)); err != nil {
		t.Fatalf("runtimetest: %v", err)
	}
}
