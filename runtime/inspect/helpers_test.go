package inspect_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// readUnacked creates group on stream, from its first entry, and reads
// up to n entries as consumer, which never acks them: they stay pending
// on it, as on a consumer that crashed.
func readUnacked(t testing.TB, rdb redis.UniversalClient, stream, group, consumer string, n int64) {
	t.Helper()
	ctx := context.Background()
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil {
		t.Fatalf("XGROUP CREATE %s %s: %v", stream, group, err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: n}).Err(); err != nil {
		t.Fatalf("XREADGROUP %s as %s: %v", stream, consumer, err)
	}
}
