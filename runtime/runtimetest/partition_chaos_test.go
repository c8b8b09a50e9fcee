package runtimetest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestPartitionOwnershipUnderChaos: 3 instances of an ordered function on
// 16 partitions, 20,000 events over 500 keys, while one instance is killed
// with SIGKILL, one is stopped with SIGTERM and started again, one is
// paused with SIGSTOP for longer than its lease, and a 4th joins midway.
// The audit of the committed effects (one per event, written with its
// ack) shows every event once, and every key's events in stream order.
func TestPartitionOwnershipUnderChaos(t *testing.T) {
	srv := StartRedis(t, RedisOptions{})
	worker, err := BuildWorker(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tg := srv.Target(worker)
	tg.Partitions = 16
	const keys, perKey = 500, 40
	s := newScenario(t, tg, "ORDERING_KEY=entity_id", "CONCURRENCY=8", "BATCH_SIZE=50", "PARTITION_LEASE=2s")
	a, b, c := s.start(), s.start(), s.start()

	round := 0
	publishRounds := func(n int) {
		for ; n > 0; n-- {
			_, err := s.rdb.Pipelined(context.Background(), func(pipe redis.Pipeliner) error {
				for k := range keys {
					key := "k" + strconv.Itoa(k)
					values := map[string]any{"type": "thing.happened", "event_id": key + "." + strconv.Itoa(round), "data": "{}", "entity_id": key}
					pipe.XAdd(context.Background(), &redis.XAddArgs{Stream: s.streamOf(values), Values: values})
				}
				return nil
			})
			if err != nil {
				t.Fatalf("publish round %d: %v", round, err)
			}
			round++
		}
	}
	committed := func() int64 { return s.rdb.XLen(context.Background(), s.stream+":out").Val() }
	atLeast := func(n int64, what string) {
		s.eventually(60*time.Second, what, func() bool { return committed() >= n })
	}

	publishRounds(10)
	atLeast(1500, "work under way before the SIGKILL")
	if err := a.Kill(); err != nil {
		t.Fatal(err)
	}
	publishRounds(10)
	atLeast(6000, "work under way before the SIGTERM")
	if code, err := b.Stop(15 * time.Second); err != nil || code != 0 {
		t.Fatalf("SIGTERM: exit %d, %v", code, err)
	}
	b = s.start()
	publishRounds(10)
	atLeast(11000, "work under way before the SIGSTOP")
	pause(t, c.Pid(), 3*time.Second) // the lease is 2 s
	_ = s.start()                    // a 4th instance joins
	publishRounds(10)

	total := int64(keys * perKey)
	s.eventually(120*time.Second, "every event committed and nothing pending", func() bool {
		return committed() >= total && s.pending() == 0
	})
	outs := s.outs()
	if len(outs) != int(total) {
		t.Fatalf("%d effects committed, want %d (each event once)", len(outs), total)
	}
	next := map[string]int{}
	for _, o := range outs {
		key, seq, _ := strings.Cut(o.event, ".")
		n, _ := strconv.Atoi(seq)
		if n != next[key] {
			t.Fatalf("key %s: effect of event %d committed when %d was next (by %s): once each, in stream order, broken", key, n, next[key], o.by)
		}
		next[key]++
	}
	for k := range keys {
		if key := "k" + strconv.Itoa(k); next[key] != perKey {
			t.Fatalf("key %s: %d effects, want %d", key, next[key], perKey)
		}
	}
	t.Logf("%d effects, each once and in order per key; %d runs in all (reruns after the faults are not effects)", len(outs), len(s.runs()))
}
