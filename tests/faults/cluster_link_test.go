package faults

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

const (
	// linkDown is how long the victim's replication link is down before
	// the victim is killed: a fault duration. Its replica is kept asleep
	// linkMargin longer, so that it is still asleep at the kill.
	linkDown   = 600 * time.Millisecond
	linkMargin = 300 * time.Millisecond
)

// replicaOf returns the replica of master m.
func (cs *clusterShop) replicaOf(t *testing.T, m *redistest.Node) *redistest.Node {
	t.Helper()
	for _, n := range cs.cl.Nodes() {
		info, err := n.Client(t).Info(cctx(t), "replication").Result()
		if err == nil && regexp.MustCompile(`(?m)^role:slave\r?$`).MatchString(info) &&
			regexp.MustCompile(`(?m)^master_port:`+strconv.Itoa(m.Port)+`\r?$`).MatchString(info) {
			return n
		}
	}
	t.Fatalf("no replica of %s", m.Addr())
	return nil
}

// replOffset is master_repl_offset of node n: how many bytes of
// replication stream it has produced (as a master) or applied (as a
// replica, or a promoted one).
func replOffset(t *testing.T, n *redistest.Node) int64 {
	t.Helper()
	info, err := n.Client(t).Info(cctx(t), "replication").Result()
	if err != nil {
		t.Fatalf("INFO replication on %s: %v", n.Addr(), err)
	}
	m := regexp.MustCompile(`(?m)^master_repl_offset:(\d+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("INFO replication on %s has no master_repl_offset", n.Addr())
	}
	off, _ := strconv.ParseInt(m[1], 10, 64)
	return off
}

// cutLink takes master m's replication link down: its replica r sleeps
// (DEBUG SLEEP, so that it can neither read nor reconnect) for linkDown +
// linkMargin, and m drops its replica connection (CLIENT KILL TYPE
// replica), so that every write m acknowledges from now on exists on m
// alone. It returns m's replication offset at the cut, after linkDown.
func (cs *clusterShop) cutLink(t *testing.T, m, r *redistest.Node) int64 {
	t.Helper()
	asleep := make(chan error, 1)
	rc := r.Client(t)
	go func() {
		asleep <- rc.Do(context.Background(), "DEBUG", "SLEEP", fmt.Sprintf("%.3f", (linkDown+linkMargin).Seconds())).Err()
	}()
	// The sleep has begun once the replica stops answering PING in time.
	probe := redis.NewClient(&redis.Options{Addr: r.Addr(), ReadTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer probe.Close()
	waitFor(t, clusterTimeout, func() bool { return probe.Ping(context.Background()).Err() != nil }, "replica %s asleep", r.Addr())
	if err := m.Client(t).Do(cctx(t), "CLIENT", "KILL", "TYPE", "replica").Err(); err != nil {
		t.Fatalf("CLIENT KILL TYPE replica on %s: %v", m.Addr(), err)
	}
	cut := replOffset(t, m)
	t.Cleanup(func() { <-asleep })
	<-time.After(linkDown)
	return cut
}
