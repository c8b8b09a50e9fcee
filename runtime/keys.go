package runtime

import "github.com/ordershop/functions/runtime/internal/rdb"

// The public names of the runtime's Redis keys; every key is built in
// internal/rdb/keys.go. A function's own keys carry the hash tag
// {<function>} so that they share a cluster slot.

// DeadLetterStream is the dead-letter stream of a function: dlq:<function>.
func DeadLetterStream(function string) string { return rdb.DeadLetterStream(function) }

// RetryQueue is the asynq queue that holds a function's retries and replays.
func RetryQueue(function string) string { return rdb.RetryQueue(function) }

// DoneKeyPrefix starts every idempotency hash of function for the events
// read from stream, which live in stream's Redis Cluster slot:
// fn:{<tag>}:<function>:done:, <tag> being stream's hash tag (p<p> for
// partition p, see package partition) or its whole name when it has none.
// The window number and the shard follow (see DoneKey).
func DoneKeyPrefix(function, stream string) string { return rdb.DoneKeyPrefix(function, stream) }

// DoneKey is one idempotency hash of function for the events of stream:
// <DoneKeyPrefix><window>:<shard>, window being Unix ms (Redis's clock) /
// IDEMPOTENCY_TTL and shard the first byte of the record's fingerprint
// modulo 16. commit.lua and lookup.lua build the same names.
func DoneKey(function, stream string, window int64, shard int) string {
	return rdb.DoneKey(function, stream, window, shard)
}
