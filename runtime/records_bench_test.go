package runtime

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// BenchmarkWindowExpiry measures what one idempotency window of 1M records
// costs Redis when it expires (lazyfree-lazy-expire no, the default): the
// longest single expire-cycle stall (LATENCY LATEST) and the memory per
// record, for the old layout (one hash per window) and the sharded one
// (doneShards hashes). Run: go test -run '^$' -bench WindowExpiry -benchtime 1x ./runtime/
func BenchmarkWindowExpiry(b *testing.B) {
	const records = 1_000_000
	for _, shards := range []int{1, doneShards} {
		b.Run("shards="+strconv.Itoa(shards), func(b *testing.B) {
			for range b.N {
				stall, del, perRecord := windowExpiry(b, records, shards)
				b.ReportMetric(float64(stall.Microseconds())/1000, "expire-stall-ms")
				b.ReportMetric(float64(del.Microseconds())/1000, "max-del-ms")
				b.ReportMetric(perRecord, "B/record")
			}
		})
	}
}

func windowExpiry(b *testing.B, records, shards int) (stall, del time.Duration, perRecord float64) {
	s, err := redistest.Start(redistest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rdb := redis.NewClient(s.Options())
	defer rdb.Close()
	ctx := context.Background()
	// First the expiry: how long the expire cycle stalls Redis.
	keys := fillWindow(b, rdb, records, shards)
	var bytes int64
	for _, k := range keys {
		bytes += rdb.MemoryUsage(ctx, k, 0).Val()
	}
	rdb.ConfigSet(ctx, "latency-monitor-threshold", "1")
	// Sharded, the hashes expire one after the other (commit.lua spaces
	// them min(TTL/32, 1 s) apart; here 300 ms, three expire
	// cycle at the default hz 10).
	for i, k := range keys {
		rdb.PExpire(ctx, k, time.Millisecond+time.Duration(i)*300*time.Millisecond)
	}
	deadline := time.Now().Add(30 * time.Second)
	for rdb.DBSize(ctx).Val() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	lat, err := rdb.Do(ctx, "LATENCY", "LATEST").Slice()
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range lat {
		ev := e.([]any)
		if name := ev[0].(string); name == "expire-cycle" || name == "expire-del" {
			stall = max(stall, time.Duration(ev[3].(int64))*time.Millisecond)
		}
	}
	// Then a DEL of each hash, timed by the client: the longest one.
	for _, k := range fillWindow(b, rdb, records, shards) {
		t0 := time.Now()
		rdb.Del(ctx, k)
		del = max(del, time.Since(t0))
	}
	return stall, del, float64(bytes) / float64(records)
}

// fillWindow writes records record fields into shards hashes, as one
// window of a function, and returns the hashes' names.
func fillWindow(b *testing.B, rdb *redis.Client, records, shards int) []string {
	ctx := context.Background()
	pipe := rdb.Pipeline()
	for i := range records {
		f := recordField("event-" + strconv.Itoa(i))
		pipe.HSet(ctx, "w:"+strconv.Itoa(int(f[0])%shards), f, "1")
		if i%10000 == 9999 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	return rdb.Keys(ctx, "w:*").Val()
}
