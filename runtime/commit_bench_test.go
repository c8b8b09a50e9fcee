package runtime

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// BenchmarkCommitGroup times the commit of groups of 100 settled entries
// (record and ack, no emits: the common case), per entry, and reports the
// Redis time the script takes per entry.
func BenchmarkCommitGroup(b *testing.B) {
	_, rdb := startRedis(b)
	ctx := context.Background()
	const stream, group, size = "events:b", "fn", 100
	rdb.XGroupCreateMkStream(ctx, stream, group, "$")
	c := testCommitter(newDoneRecords(rdb, group, time.Hour), "c")
	b.ResetTimer()
	for done := 0; done < b.N; done += size {
		b.StopTimer()
		pipe := rdb.Pipeline()
		for i := range size {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", strconv.Itoa(done + i), "data", "{}"}})
		}
		pipe.Exec(ctx)
		res := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}, Count: size}).Val()
		items := make([]*commitItem, 0, size)
		for _, m := range res[0].Messages {
			items = append(items, &commitItem{stream: stream, id: m.ID, ack: true, eventID: m.Values["event_id"].(string), record: true})
		}
		b.StartTimer()
		if err := c.exec(ctx, items); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// What the commit costs Redis itself (its one thread serves every
	// function): the script's time per entry, from INFO commandstats.
	for _, l := range strings.Split(rdb.Info(ctx, "commandstats").Val(), "\r\n") {
		if rest, ok := strings.CutPrefix(l, "cmdstat_evalsha:"); ok {
			for _, kv := range strings.Split(rest, ",") {
				if v, ok := strings.CutPrefix(kv, "usec="); ok {
					usec, _ := strconv.ParseFloat(v, 64)
					b.ReportMetric(usec/float64(b.N), "redis-µs/entry")
				}
			}
		}
	}
}
