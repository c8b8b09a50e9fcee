package rdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Replication is how many replicas a commit waits for (WAIT) before it
// counts as written: Redis replicates asynchronously, so a write its
// master acknowledged can be lost when the master fails before a replica
// has it. Replicas 0 waits for none.
type Replication struct {
	Replicas int
	Timeout  time.Duration
}

// ShortError is a write that fewer replicas than asked for acknowledged
// within the timeout: it is on the master, and may be lost if the master
// fails now.
type ShortError struct {
	Want, Got int
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("written, but acknowledged by %d of the %d replicas asked for (WAIT timed out): it may be lost if its master fails", e.Got, e.Want)
}

// IsShort reports whether err is a ShortError.
func IsShort(err error) bool {
	var s *ShortError
	return errors.As(err, &s)
}

// nodeOf returns the client of the node that serves key (the master of
// its slot on a Cluster), whose one connection a pipeline keeps: WAIT
// counts the replicas that have this connection's writes.
func nodeOf(ctx context.Context, client redis.UniversalClient, key string) (*redis.Client, error) {
	switch c := client.(type) {
	case *redis.Client:
		return c, nil
	case *redis.ClusterClient:
		n, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("master of %s: %w", key, err)
		}
		return n, nil
	}
	return nil, fmt.Errorf("WAIT needs a single-node, Sentinel or Cluster client, not %T", client)
}

// runReplicated runs script on the node of keys[0] followed, on the same
// connection, by WAIT for r.Replicas; it returns the script's reply, and a
// ShortError (with the reply) when fewer replicas acknowledged it. A
// redirection (MOVED, ASK: the slot is moving) is returned as it is, for
// the caller to retry, after the Cluster's slot map is reloaded.
func runReplicated(ctx context.Context, client redis.UniversalClient, r Replication, script *redis.Script, keys []string, args ...any) (any, error) {
	node, err := nodeOf(ctx, client, keys[0])
	if err != nil {
		return nil, err
	}
	exec := func(eval func(p redis.Pipeliner) *redis.Cmd) (any, int64, error) {
		pipe := node.Pipeline()
		res := eval(pipe)
		wait := pipe.Do(ctx, "WAIT", r.Replicas, r.Timeout.Milliseconds())
		_, _ = pipe.Exec(ctx)
		v, err := res.Result()
		if err != nil {
			return nil, 0, err
		}
		n, err := wait.Int64()
		return v, n, err
	}
	v, n, err := exec(func(p redis.Pipeliner) *redis.Cmd { return script.EvalSha(ctx, p, keys, args...) })
	if err != nil && hasPrefix(err, "NOSCRIPT") {
		v, n, err = exec(func(p redis.Pipeliner) *redis.Cmd { return script.Eval(ctx, p, keys, args...) })
	}
	if err != nil {
		if cc, ok := client.(*redis.ClusterClient); ok && (hasPrefix(err, "MOVED") || hasPrefix(err, "ASK") || hasPrefix(err, "TRYAGAIN")) {
			cc.ReloadState(ctx)
		}
		return nil, err
	}
	if int(n) < r.Replicas {
		return v, &ShortError{Want: r.Replicas, Got: int(n)}
	}
	return v, nil
}
