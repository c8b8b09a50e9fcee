package rdb

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// With Replication, a commit returns once the replicas asked for have it;
// when they do not acknowledge it in time it is still written on the
// master, and Commit says so with a ShortError.
func TestCommitWaitsForReplicas(t *testing.T) {
	master := startRedis(t)
	ctx := context.Background()
	port := strings.TrimPrefix(master.Options().Addr, "127.0.0.1:")
	replicaSrv := redistest.New(t, redistest.Options{Args: []string{"--replicaof", "127.0.0.1", port}})
	replica := replicaSrv.Client(t)
	redistest.Eventually(t, 10*time.Second, func() bool {
		info := replica.Info(ctx, "replication").Val()
		return strings.Contains(info, "master_link_status:up")
	}, "the replica in sync")

	records := New(master).NewRecords("fn", time.Hour)
	records.Replication = Replication{Replicas: 1, Timeout: 2 * time.Second}
	commit := func(n int) error {
		ev := "e" + strconv.Itoa(n)
		_, err := records.Commit(ctx, "c", 1000, []CommitItem{{EventID: ev, Record: true,
			Emits: []Write{{Stream: "events:out", Fields: map[string]string{"type": "t", "event_id": ev}}}}})
		return err
	}
	if err := commit(1); err != nil {
		t.Fatalf("commit with its replica up: %v", err)
	}
	if n := replica.XLen(ctx, "events:out").Val(); n != 1 {
		t.Fatalf("the replica has %d emits right after the commit returned, want 1", n)
	}

	if err := replica.SlaveOf(ctx, "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := commit(2)
	var short *ShortError
	if !errors.As(err, &short) || short.Want != 1 || short.Got != 0 {
		t.Fatalf("commit without a replica: %v, want ShortError{1, 0}", err)
	}
	if took := time.Since(start); took < records.Replication.Timeout {
		t.Fatalf("gave up on the replica after %v, before the timeout %v", took, records.Replication.Timeout)
	}
	if n := master.XLen(ctx, "events:out").Val(); n != 2 {
		t.Fatalf("the master has %d emits, want 2: a short commit is still written", n)
	}
}
