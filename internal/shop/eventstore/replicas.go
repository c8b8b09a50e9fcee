package eventstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Replication is how many replicas every write of a command waits for
// (WAIT) before the command counts as safe: Redis replicates
// asynchronously, so a command its master acknowledged can be lost when
// the master fails before a replica has it. Replicas 0 waits for none.
// The gateway takes it from the runtime's Config (COMMIT_REPLICAS,
// COMMIT_REPLICAS_TIMEOUT).
type Replication struct {
	Replicas int
	Timeout  time.Duration
}

// Option configures a Store.
type Option func(*Store)

// WithReplication makes every write of a command (its script on one
// node; every step of a command done in steps on a Cluster) be followed,
// on the same connection, by WAIT for r.Replicas replicas, up to
// r.Timeout.
func WithReplication(r Replication) Option { return func(s *Store) { s.repl = r } }

// ShortError is a command written on its master(s) that fewer replicas
// than asked for acknowledged within the timeout: it is written, and may
// be lost if a master fails now. Commit returns it with the Result of the
// command (all of it written).
type ShortError struct {
	// Want replicas were asked for, Got acknowledged (the fewest of the
	// command's writes), within Timeout.
	Want, Got int
	Timeout   time.Duration
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("written, but acknowledged by %d of the %d replicas asked for within %s (WAIT timed out): it may be lost if its master fails", e.Got, e.Want, e.Timeout)
}

// IsShort reports whether err is (or wraps) a ShortError.
func IsShort(err error) bool {
	var s *ShortError
	return errors.As(err, &s)
}

// writer does the writes of one command (or one Resume): each followed,
// with Replication, by WAIT on its connection. It remembers the fewest
// replicas that acknowledged a write.
type writer struct {
	rdb  redis.UniversalClient
	repl Replication

	mu    sync.Mutex
	fewer *ShortError
}

func (s *Store) writer() *writer { return &writer{rdb: s.rdb, repl: s.repl} }

// short is the ShortError of the writes done so far, nil if every one was
// acknowledged by the replicas asked for.
func (w *writer) short() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fewer == nil {
		return nil
	}
	return w.fewer
}

// note records that a write was acknowledged by got replicas (-1: not
// waited for).
func (w *writer) note(got int) {
	if got < 0 || got >= w.repl.Replicas {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fewer == nil || got < w.fewer.Got {
		w.fewer = &ShortError{Want: w.repl.Replicas, Got: got, Timeout: w.repl.Timeout}
	}
}

// nodeOf is the client of the node that serves key (the master of its
// slot on a Cluster), whose pipelines keep one connection: WAIT counts
// the replicas that have the writes of its own connection.
func nodeOf(ctx context.Context, rdb redis.UniversalClient, key string) (*redis.Client, error) {
	switch c := rdb.(type) {
	case *redis.Client:
		return c, nil
	case *redis.ClusterClient:
		n, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("master of %s: %w", key, err)
		}
		return n, nil
	}
	return nil, fmt.Errorf("WAIT needs a single-node, Sentinel or Cluster client, not %T", rdb)
}

// replicated sends the command queue makes (a write on key) and, with
// Replication, WAIT after it in one pipeline on the connection of key's
// node. It returns the command and how many replicas acknowledged the
// connection's writes (-1 without Replication or when the command
// failed): the caller notes it (writer.note) when the command wrote, as a
// write that wrote nothing proves nothing (a pooled connection's WAIT
// counts its earlier writes, of other commands). Without Replication it
// is queue(rdb).
func replicated[C redis.Cmder](ctx context.Context, w *writer, key string, queue func(redis.Cmdable) C) (C, int) {
	if w.repl.Replicas <= 0 {
		return queue(w.rdb), -1
	}
	node, err := nodeOf(ctx, w.rdb, key)
	if err != nil {
		c := queue(w.rdb.Pipeline()) // never sent: it carries the error
		c.SetErr(err)
		return c, -1
	}
	pipe := node.Pipeline()
	c := queue(pipe)
	wait := pipe.Do(ctx, "WAIT", w.repl.Replicas, w.repl.Timeout.Milliseconds())
	_, _ = pipe.Exec(ctx)
	if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
		if cc, ok := w.rdb.(*redis.ClusterClient); ok && movedOrAsk(err) {
			cc.ReloadState(ctx) // the slot moved: the next try finds its master
		}
		return c, -1
	}
	n, err := wait.Int64()
	if err != nil {
		c.SetErr(fmt.Errorf("WAIT %d: %w", w.repl.Replicas, err))
		return c, -1
	}
	return c, int(n)
}

// script runs s on keys (one slot), as replicated; a script Redis does
// not know yet is sent whole.
func (w *writer) script(ctx context.Context, s *redis.Script, keys []string, args ...any) (*redis.Cmd, int) {
	if w.repl.Replicas <= 0 {
		return s.Run(ctx, w.rdb, keys, args...), -1
	}
	cmd, n := replicated(ctx, w, keys[0], func(c redis.Cmdable) *redis.Cmd { return s.EvalSha(ctx, c, keys, args...) })
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		cmd, n = replicated(ctx, w, keys[0], func(c redis.Cmdable) *redis.Cmd { return s.Eval(ctx, c, keys, args...) })
	}
	return cmd, n
}

func movedOrAsk(err error) bool {
	return redis.HasErrorPrefix(err, "MOVED") || redis.HasErrorPrefix(err, "ASK") || redis.HasErrorPrefix(err, "TRYAGAIN")
}
