package runtimetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/runtime/partition"
)

var seq atomic.Int64

// scenario is one property's function: its own name and stream on the
// target, the worker processes it runs, and what it observes in Redis.
type scenario struct {
	t      *testing.T
	tg     Target
	rdb    redis.UniversalClient
	fn     string
	stream string
	base   []string
	procs  *proctest.Group
}

// newScenario makes a function of its own for the test; env is added to
// every worker's environment (after the defaults, so it wins).
func newScenario(t *testing.T, tg Target, env ...string) *scenario {
	t.Helper()
	n := seq.Add(1)
	fn := fmt.Sprintf("conf%d-%d", time.Now().UnixNano()%1e6, n)
	s := &scenario{t: t, tg: tg, rdb: tg.Client(t), fn: fn, stream: "events:" + fn, procs: proctest.NewGroup(t)}
	s.base = []string{
		redisEnv(tg), "FUNCTION=" + fn, "STREAM=" + s.stream,
		"LOG_FORMAT=console", "LOG_LEVEL=info", "READ_BLOCK=100ms", "CONCURRENCY=4",
		"CLAIM_MIN_IDLE=2s", "CLAIM_INTERVAL=200ms", "SHUTDOWN_TIMEOUT=5s",
		"RETRY_BACKOFF_BASE=100ms", "RETRY_BACKOFF_MAX=500ms", "RETRY_POLL_INTERVAL=100ms",
	}
	if tg.Partitions > 0 {
		s.base = append(s.base, "PARTITIONED=1", "PARTITIONS="+strconv.Itoa(tg.Partitions), "PARTITION_LEASE=2s")
	}
	s.base = append(s.base, env...)
	return s
}

// streams are the streams the scenario's events are in: its stream, or
// every partition of its family.
func (s *scenario) streams() []string {
	if s.tg.Partitions == 0 {
		return []string{s.stream}
	}
	return partition.Family{Name: s.stream, Count: s.tg.Partitions}.Streams()
}

// streamOf is the stream an event with these fields goes to.
func (s *scenario) streamOf(values map[string]any) string {
	if s.tg.Partitions == 0 {
		return s.stream
	}
	key, _ := values["entity_id"].(string)
	if key == "" {
		key, _ = values["event_id"].(string)
	}
	return partition.Stream(s.stream, partition.Of(key, s.tg.Partitions))
}

// start runs a worker with the scenario's environment plus env and waits
// until it is ready.
func (s *scenario) start(env ...string) *proctest.Process {
	s.t.Helper()
	p := s.startNoWait(env...)
	if err := p.WaitStatus("/readyz", 20*time.Second); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// startNoWait runs a worker without waiting for it to be ready.
func (s *scenario) startNoWait(env ...string) *proctest.Process {
	s.t.Helper()
	p, err := s.procs.StartFree(s.fn, s.tg.Worker, append(append([]string{}, s.base...), env...))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// publish appends an event with the given id and ordering key (entity_id).
func (s *scenario) publish(id, key string) {
	s.t.Helper()
	s.xadd(map[string]any{"type": "thing.happened", "event_id": id, "data": `{"n":1}`, "entity_id": key})
}

// xadd appends raw fields to the scenario's stream.
func (s *scenario) xadd(values map[string]any) {
	s.t.Helper()
	stream := s.streamOf(values)
	if err := s.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: values}).Err(); err != nil {
		s.t.Fatalf("XADD %s: %v", stream, err)
	}
}

// ids publishes n events id-0…id-(n-1) of key key and returns their ids.
func (s *scenario) publishN(prefix, key string, n int) []string {
	s.t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
		s.publish(ids[i], key)
	}
	return ids
}

// out is one committed effect: the event it was emitted for, its key.
type out struct{ event, key, by string }

// outs returns the committed effects in commit order.
func (s *scenario) outs() []out {
	s.t.Helper()
	msgs, err := s.rdb.XRange(context.Background(), s.stream+":out", "-", "+").Result()
	if err != nil {
		s.t.Fatalf("XRANGE out: %v", err)
	}
	res := make([]out, len(msgs))
	for i, m := range msgs {
		id, _ := m.Values["event_id"].(string)
		key, _ := m.Values["key"].(string)
		by, _ := m.Values["by"].(string)
		res[i] = out{event: strings.TrimPrefix(id, "out-"), key: key, by: by}
	}
	return res
}

// outCounts counts committed effects per event id.
func (s *scenario) outCounts() map[string]int {
	return countBy(s.outs(), func(o out) string { return o.event })
}

// countBy counts items per key.
func countBy[T any](items []T, key func(T) string) map[string]int {
	c := map[string]int{}
	for _, it := range items {
		c[key(it)]++
	}
	return c
}

// run is one invocation of the handler.
type run struct {
	event, consumer string
	attempt         int
}

// runs returns every invocation, in the order they started.
func (s *scenario) runs() []run {
	s.t.Helper()
	raw, err := s.rdb.LRange(context.Background(), s.stream+":runs", 0, -1).Result()
	if err != nil {
		s.t.Fatalf("LRANGE runs: %v", err)
	}
	res := make([]run, 0, len(raw))
	for _, r := range raw {
		parts := strings.SplitN(r, "|", 3)
		if len(parts) != 3 {
			continue
		}
		a, _ := strconv.Atoi(parts[2])
		res = append(res, run{event: parts[0], consumer: parts[1], attempt: a})
	}
	return res
}

// runCounts counts invocations per event id.
func (s *scenario) runCounts() map[string]int {
	return countBy(s.runs(), func(r run) string { return r.event })
}

// pending is the number of entries delivered to the group and not acked.
func (s *scenario) pending() int64 {
	s.t.Helper()
	var n int64
	for _, stream := range s.streams() {
		p, err := s.rdb.XPending(context.Background(), stream, s.fn).Result()
		if err != nil {
			if strings.Contains(err.Error(), "NOGROUP") {
				continue
			}
			s.t.Fatalf("XPENDING: %v", err)
		}
		n += p.Count
	}
	return n
}

// dead returns the dead letters' original event ids (or "" for entries
// that had none), in order.
func (s *scenario) dead() []string {
	s.t.Helper()
	msgs, err := s.rdb.XRange(context.Background(), "dlq:"+s.fn, "-", "+").Result()
	if err != nil {
		s.t.Fatalf("XRANGE dlq: %v", err)
	}
	res := make([]string, len(msgs))
	for i, m := range msgs {
		res[i], _ = m.Values["event_id"].(string)
	}
	return res
}

// eventually polls cond every 20 ms until it holds or timeout passes.
func (s *scenario) eventually(timeout time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("not within %s: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settled reports whether every id has exactly one effect or dead letter
// and nothing is pending.
func (s *scenario) settled(ids []string) bool {
	c := s.outCounts()
	for _, id := range ids {
		if c[id] == 0 {
			return false
		}
	}
	return s.pending() == 0
}

// exactlyOnce fails the test unless every id has exactly one effect and
// no other effect exists.
func (s *scenario) exactlyOnce(ids []string) {
	s.t.Helper()
	c := s.outCounts()
	for _, id := range ids {
		if c[id] != 1 {
			s.t.Errorf("event %s: %d committed effects, want exactly 1", id, c[id])
		}
		delete(c, id)
	}
	for id, n := range c {
		s.t.Errorf("unexpected effect for %s (%d)", id, n)
	}
}

// inOrder fails the test unless each key's effects are in publish order.
func (s *scenario) inOrder(want map[string][]string) {
	s.t.Helper()
	got := map[string][]string{}
	for _, o := range s.outs() {
		got[o.key] = append(got[o.key], o.event)
	}
	for key, ids := range want {
		if strings.Join(got[key], " ") != strings.Join(ids, " ") {
			s.t.Errorf("key %s committed %v, want %v", key, got[key], ids)
		}
	}
}

// redisEnv is the variable that tells a worker where tg's Redis is.
func redisEnv(tg Target) string {
	if tg.ClusterURL != "" {
		return "REDIS_CLUSTER_URL=" + tg.ClusterURL
	}
	return "REDIS_URL=" + tg.URL
}
