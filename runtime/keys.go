package runtime

import "github.com/ordershop/functions/runtime/internal/rdb"

// The public names of the runtime's Redis keys; every key is built in
// internal/rdb/keys.go. A function's own keys carry the hash tag
// {<function>} so that they share a cluster slot.

// DeadLetterStream is the dead-letter stream of a function: dlq:<function>.
func DeadLetterStream(function string) string { return rdb.DeadLetterStream(function) }

// RetryQueue is the asynq queue that holds a function's retries and replays.
func RetryQueue(function string) string { return rdb.RetryQueue(function) }

// DoneKeyPrefix starts every idempotency hash of function; the window
// number and the shard follow (see DoneKey).
func DoneKeyPrefix(function string) string { return rdb.DoneKeyPrefix(function) }

// DoneKey is one idempotency hash of function:
// fn:{<function>}:done:<window>:<shard>, window being Unix ms (Redis's
// clock) / IDEMPOTENCY_TTL and shard the first byte of the record's
// fingerprint modulo 16. commit.lua and lookup.lua build the same names.
func DoneKey(function string, window int64, shard int) string {
	return rdb.DoneKey(function, window, shard)
}
