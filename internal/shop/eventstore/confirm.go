package eventstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// confirmScript rewrites the value at KEYS[1] as it is, its expiry kept:
// a write that changes nothing, so that a WAIT after it on the same
// connection counts the replicas that have everything its master wrote
// before, the value included. It returns 0 if there is no value.
var confirmScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
redis.call('SET', KEYS[1], v, 'KEEPTTL')
return 1
`)

// Confirm makes sure the value at key (an Idempotency-Key record about
// to be answered again) is on the replicas Replication asks for: a
// command written short of them answered 503, and the retry that finds
// its record must not answer its 201 before the replicas have it (a
// failover would lose a command answered 201). With Replication it
// rewrites the value as it is and WAITs on the same connection; a
// *ShortError says the replicas do not have it yet. Without Replication,
// or if key holds nothing, it does nothing.
func (s *Store) Confirm(ctx context.Context, key string) error {
	if s.repl.Replicas <= 0 {
		return nil
	}
	w := s.writer()
	cmd, n := w.script(ctx, confirmScript, []string{key})
	wrote, err := cmd.Int()
	if err != nil {
		return fmt.Errorf("confirm %s: %w", key, err)
	}
	if wrote == 1 {
		w.note(n)
	}
	return w.short()
}
