package runtimetest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
)

// configSet sets a Redis setting for the test (on every node of a
// Cluster) and restores it after.
func configSet(t *testing.T, rdb redis.UniversalClient, key, value string) {
	t.Helper()
	ctx := context.Background()
	old, err := rdb.ConfigGet(ctx, key).Result()
	if err != nil {
		t.Fatalf("CONFIG GET %s: %v", key, err)
	}
	if err := setEverywhere(ctx, rdb, key, value); err != nil {
		t.Fatalf("CONFIG SET %s %s: %v", key, value, err)
	}
	t.Cleanup(func() { _ = setEverywhere(context.Background(), rdb, key, old[key]) })
}

// setEverywhere is CONFIG SET on the node of rdb, or on every node of a
// Cluster.
func setEverywhere(ctx context.Context, rdb redis.UniversalClient, key, value string) error {
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return cc.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error { return c.ConfigSet(ctx, key, value).Err() })
	}
	return rdb.ConfigSet(ctx, key, value).Err()
}

func evictingPolicyRefused(t *testing.T, tg Target) {
	s := newScenario(t, tg)
	configSet(t, s.rdb, "maxmemory-policy", "allkeys-lru")
	p := s.startNoWait()
	s.eventually(20*time.Second, "the worker exits (or gets ready)", func() bool {
		code, _ := readyz(p.URL())
		return !p.Alive() || code == http.StatusOK
	})
	if p.Alive() {
		t.Fatal("the worker started and got ready on an evicting Redis")
	}
	if p.ExitCode() == 0 {
		t.Errorf("exit code 0 on an evicting Redis")
	}
	if out := p.Output(); !strings.Contains(out, "maxmemory-policy") || !strings.Contains(out, "allkeys-lru") {
		t.Errorf("the error does not name the policy:\n%s", out)
	}
}

func readyz(url string) (int, string) {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp.StatusCode, b.String()
}

func refusedWritesNotReady(t *testing.T, tg Target) {
	s := newScenario(t, tg)
	p := s.start()
	ctx := context.Background()
	configSet(t, s.rdb, "maxmemory", "1")
	s.eventually(15*time.Second, "/readyz not ready while Redis refuses writes", func() bool {
		code, _ := readyz(p.URL())
		return code == http.StatusServiceUnavailable
	})
	if _, body := readyz(p.URL()); !strings.Contains(strings.ToLower(body), "write") && !strings.Contains(body, "OOM") {
		t.Errorf("/readyz does not say why: %q", body)
	}
	if err := setEverywhere(ctx, s.rdb, "maxmemory", "0"); err != nil {
		t.Fatal(err)
	}
	s.eventually(15*time.Second, "/readyz ready again", func() bool { code, _ := readyz(p.URL()); return code == http.StatusOK })
}

func replayAfterFix(t *testing.T, tg Target) {
	s := newScenario(t, tg, "WORKER_PERMANENT=bad")
	a := s.start()
	s.publish("bad", "")
	s.eventually(20*time.Second, "dead-lettered", func() bool { return len(s.dead()) == 1 && s.pending() == 0 })
	if _, err := a.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	s.base = append(s.base, "WORKER_PERMANENT=")
	s.start()
	ctx := context.Background()
	msgs, err := s.rdb.XRange(ctx, runtime.DeadLetterStream(s.fn), "-", "+").Result()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("dead letters %v, %v", msgs, err)
	}
	dl, err := inspect.ParseDeadLetter(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := inspect.Replay(ctx, s.rdb, dl); err != nil {
		t.Fatal(err)
	}
	s.eventually(30*time.Second, "the replayed event committed and left the dead letters", func() bool {
		return s.outCounts()["bad"] == 1 && len(s.dead()) == 0
	})
	time.Sleep(300 * time.Millisecond)
	s.exactlyOnce([]string{"bad"})
}

// deadLetters reads the function's dead letters.
func (s *scenario) deadLetters() []inspect.DeadLetter {
	s.t.Helper()
	return DeadLetters(s.t, s.rdb, s.fn)
}

func replayFailingAgain(t *testing.T, tg Target) {
	s := newScenario(t, tg, "WORKER_FAIL=bad", "MAX_ATTEMPTS=2")
	s.start()
	s.publish("bad", "")
	for round := range 3 {
		s.eventually(30*time.Second, fmt.Sprintf("dead-lettered (round %d)", round), func() bool {
			return len(s.dead()) == 1 && s.pending() == 0
		})
		dl := s.deadLetters()[0]
		if err := inspect.Replay(context.Background(), s.rdb, dl); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		s.eventually(30*time.Second, fmt.Sprintf("the replay ran and failed (round %d)", round), func() bool {
			return len(s.dead()) == 1 && s.deadLetters()[0].ID != dl.ID
		})
	}
	if n := s.outCounts()["bad"]; n != 0 {
		t.Errorf("a failing event committed %d effects", n)
	}
}
