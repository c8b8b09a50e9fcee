package runtime_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// TestAsynqRunsOnTheClusterClient checks that asynq, which the runtime's
// retries use through the client NewRedisClient builds (asynq's
// New*FromRedisClient take a redis.UniversalClient), schedules, forwards
// and runs delayed tasks of queues on different masters of a cluster.
func TestAsynqRunsOnTheClusterClient(t *testing.T) {
	c := redistest.NewCluster(t, redistest.ClusterOptions{})
	cfg := runtime.DefaultConfig()
	cfg.RedisClusterURL = c.URL()
	client, err := runtime.NewRedisClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Queues whose keys (asynq:{<queue>}:...) sit on three masters.
	queues := map[string]int{}
	masters := map[string]bool{}
	for i := 0; len(masters) < 3 && i < 100; i++ {
		q := fmt.Sprintf("retry:fn%d", i)
		owner, err := c.MasterOfKey(ctx, "asynq:{"+q+"}:pending")
		if err != nil {
			t.Fatal(err)
		}
		if !masters[owner.Addr()] {
			masters[owner.Addr()], queues[q] = true, 1
		}
	}
	if len(queues) != 3 {
		t.Fatalf("queues %v: want one per master", queues)
	}

	var mu sync.Mutex
	done := map[string]bool{}
	mux := asynq.NewServeMux()
	mux.HandleFunc("retry", func(_ context.Context, task *asynq.Task) error {
		mu.Lock()
		defer mu.Unlock()
		done[string(task.Payload())] = true
		return nil
	})
	srv := asynq.NewServerFromRedisClient(client, asynq.Config{
		Queues: queues, Concurrency: 3, LogLevel: asynq.FatalLevel,
		DelayedTaskCheckInterval: 100 * time.Millisecond, TaskCheckInterval: 100 * time.Millisecond,
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	enq := asynq.NewClientFromRedisClient(client)
	for q := range queues {
		if _, err := enq.EnqueueContext(ctx, asynq.NewTask("retry", []byte(q)), asynq.Queue(q), asynq.TaskID(q+":1"), asynq.ProcessIn(200*time.Millisecond)); err != nil {
			t.Fatalf("enqueue on %s: %v", q, err)
		}
	}
	insp := asynq.NewInspectorFromRedisClient(client)
	for q := range queues {
		if _, err := insp.GetTaskInfo(q, q+":1"); err != nil {
			t.Fatalf("inspector, task of %s: %v", q, err)
		}
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(done) == len(queues)
	}, "delayed tasks not run on every queue %v", queues)
}
