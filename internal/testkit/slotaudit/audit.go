package slotaudit

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// Audit records what one client sends to a one-node cluster and what the
// scripts it runs do there.
type Audit struct {
	node *redistest.OneNodeCluster
	hook *hook
	mon  *monitor
}

// Start audits rdb, a client of node, from now on.
func Start(t testing.TB, node *redistest.OneNodeCluster, rdb redis.UniversalClient) *Audit {
	t.Helper()
	mon, err := startMonitor(node.Addr())
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _, _ = mon.stop() })
	a := &Audit{node: node, hook: &hook{}, mon: mon}
	rdb.AddHook(a.hook)
	return a
}

// markSeq makes every end mark unique.
var markSeq atomic.Int64

// Check stops the audit and fails t for every unit whose keys are in more
// than one hash slot, and if it recorded fewer than minScripts scripts or
// minCommands other units (so that an audit of nothing does not pass). It
// returns the number of units it checked.
func (a *Audit) Check(t testing.TB, minScripts, minCommands int) int {
	t.Helper()
	ctx := context.Background()
	plain := redis.NewClient(a.node.Options())
	defer plain.Close()
	mark := fmt.Sprintf("slotaudit-end-%d", markSeq.Add(1))
	if err := plain.Echo(ctx, mark).Err(); err != nil {
		t.Fatalf("slotaudit: ECHO: %v", err)
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return a.mon.seen(mark) }, "MONITOR did not log the end mark")
	scripts, err := a.mon.stop()
	if err != nil {
		t.Fatalf("%v", err)
	}
	commands := a.hook.recorded()
	if len(scripts) < minScripts || len(commands) < minCommands {
		t.Fatalf("slotaudit: recorded %d scripts and %d other units, want at least %d and %d", len(scripts), len(commands), minScripts, minCommands)
	}
	slots := slotCache{rdb: plain, of: map[string]int64{}}
	for _, u := range append(scripts, commands...) {
		bad, err := slots.violation(ctx, u)
		if err != nil {
			t.Fatalf("%v", err)
		}
		if bad != "" {
			t.Errorf("slotaudit: %s", bad)
		}
	}
	return len(scripts) + len(commands)
}

// slotCache asks the node for keys' slots once each.
type slotCache struct {
	rdb *redis.Client
	of  map[string]int64
}

// violation describes u if its keys are in several slots ("" if not).
func (c slotCache) violation(ctx context.Context, u unit) (string, error) {
	bySlot := map[int64][]string{}
	for _, args := range u {
		keys, err := keysOf(ctx, c.rdb, args)
		if err != nil {
			return "", err
		}
		for _, k := range keys {
			s, ok := c.of[k]
			if !ok {
				if s, err = c.rdb.ClusterKeySlot(ctx, k).Result(); err != nil {
					return "", fmt.Errorf("slotaudit: CLUSTER KEYSLOT %s: %w", k, err)
				}
				c.of[k] = s
			}
			bySlot[s] = append(bySlot[s], k)
		}
	}
	if len(bySlot) < 2 {
		return "", nil
	}
	names := make([]string, len(u))
	for i, args := range u {
		names[i] = fmt.Sprint(args[0])
	}
	return fmt.Sprintf("%d slots in one unit %v: keys by slot %v", len(bySlot), names, bySlot), nil
}

// keysOf returns the keys of one command: the declared KEYS of a script,
// else what COMMAND GETKEYS answers (none for a keyless command).
func keysOf(ctx context.Context, rdb *redis.Client, args []any) ([]string, error) {
	if isScript(strings.ToLower(fmt.Sprint(args[0]))) {
		var n int
		if len(args) < 3 {
			return nil, fmt.Errorf("slotaudit: script call %v", args)
		}
		if _, err := fmt.Sscan(fmt.Sprint(args[2]), &n); err != nil || len(args) < 3+n {
			return nil, fmt.Errorf("slotaudit: numkeys of %v: %v", args[:3], err)
		}
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprint(args[3+i])
		}
		return keys, nil
	}
	keys, err := rdb.CommandGetKeys(ctx, args...).Result()
	if err != nil && (strings.Contains(err.Error(), "no key arguments") || strings.Contains(err.Error(), "wrong number of arguments for 'command|getkeys'")) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("slotaudit: COMMAND GETKEYS %v: %w", args, err)
	}
	return keys, nil
}
