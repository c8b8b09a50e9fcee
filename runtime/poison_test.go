package runtime_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// runsOf counts the invocations recorded in a RUNS_KEY list, by event id.
func runsOf(t *testing.T, key string) map[string]int {
	t.Helper()
	all, err := srv.Client(t).LRange(context.Background(), key, 0, -1).Result()
	if err != nil {
		t.Fatalf("LRANGE %s: %v", key, err)
	}
	out := map[string]int{}
	for _, r := range all {
		id, _, _ := strings.Cut(r, " ")
		out[id]++
	}
	return out
}

// TestPoisonPillThatCrashesTheProcessIsDeadLettered (finding 8): a handler
// that kills its process on one event, with MAX_ATTEMPTS=2. Attempts are
// counted from the entry's delivery count, which survives the crash: after
// two crashes the entry is dead-lettered without running again, and the
// healthy events of the same batch are committed, each once.
func TestPoisonPillThatCrashesTheProcessIsDeadLettered(t *testing.T) {
	for _, ordered := range []string{"", "entity_id"} {
		t.Run("ordering key "+fmt.Sprintf("%q", ordered), func(t *testing.T) {
			rdb := srv.Client(t)
			stream, name, runs := uniq("events:poison"), uniq("poison"), uniq("runs")
			const healthy = 10
			for i := range healthy {
				if i == 3 {
					xaddOfKey(t, rdb, stream, "poison", "k1")
				}
				xaddOfKey(t, rdb, stream, eventID(i), fmt.Sprintf("k%d", i%3))
			}
			g := proctest.NewGroup(t)
			env := []string{mainEnv + "=1", "REDIS_URL=" + srv.URL(), "READ_BLOCK=100ms", "LOG_LEVEL=warn",
				"STREAM=" + stream, "FUNCTION=" + name, "RUNS_KEY=" + runs, "CRASH_ON=poison", "ORDERING_KEY=" + ordered,
				"MAX_ATTEMPTS=2", "CONSUMER_NAME=" + uniq("stable"), "CLAIM_MIN_IDLE=1s", "CLAIM_INTERVAL=100ms"}
			crashes := 0
			for restart := 0; restart < 6; restart++ {
				p, err := g.StartFree(name, os.Args[0], env)
				if err != nil {
					t.Fatal(err)
				}
				settled := func() bool {
					// The group exists once a process has started far
					// enough: before, nothing is settled (and XPENDING
					// would fail).
					groups, _ := rdb.XInfoGroups(context.Background(), stream).Result()
					if len(groups) == 0 {
						return false
					}
					return pending(t, rdb, stream, name) == 0 && xlen(t, rdb, stream+":out") == healthy && len(deadLetters(t, rdb, name)) == 1
				}
				deadline := time.Now().Add(10 * time.Second)
				for time.Now().Before(deadline) && p.Alive() && !settled() {
					time.Sleep(20 * time.Millisecond)
				}
				if !p.Alive() {
					crashes++
					continue
				}
				break
			}
			redistest.Eventually(t, 10*time.Second, func() bool { return pending(t, rdb, stream, name) == 0 }, "nothing pending")
			dls := deadLetters(t, rdb, name)
			if len(dls) != 1 || dls[0].Fields["event_id"] != "poison" {
				t.Fatalf("after %d crashes: %d dead letters %+v, want the poison pill's alone", crashes, len(dls), dls)
			}
			if dls[0].Attempts != 2 {
				t.Errorf("dead letter says %d attempts, want 2", dls[0].Attempts)
			}
			got := runsOf(t, runs)
			if got["poison"] != 2 || crashes != 2 {
				t.Errorf("poison pill ran %d times with %d crashes, want 2 and 2 (MAX_ATTEMPTS)", got["poison"], crashes)
			}
			if n := xlen(t, rdb, stream+":out"); n != healthy {
				t.Errorf("%d of %d healthy events committed", n, healthy)
			}
			t.Logf("crashes %d, runs %v", crashes, got)
		})
	}
}
