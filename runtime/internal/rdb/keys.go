package rdb

import "strconv"

// Every Redis key the runtime owns, named here and nowhere else. A
// function's own keys carry the hash tag {<function>} so that they share a
// Cluster slot.

// DefaultRegistryKey is the hash the functions describe themselves in
// unless Config.RegistryKey names another.
const DefaultRegistryKey = "functions:registry"

// DeadLetterStream is the dead-letter stream of a function: dlq:<function>.
func DeadLetterStream(function string) string { return "dlq:" + function }

// RetryQueue is the asynq queue that holds a function's retries and
// replays: fn.<function>.
func RetryQueue(function string) string { return "fn." + function }

// RetryTaskType is the asynq task type of a function's retries.
func RetryTaskType(function string) string { return "retry:" + function }

// ReplayTaskID is the asynq task id of the replay of one dead letter.
func ReplayTaskID(function, deadLetterID string) string {
	return "replay:" + function + ":" + deadLetterID
}

// DoneKeyPrefix starts every idempotency hash of function for the events
// of stream, in stream's hash slot: fn:{<tag>}:<function>:done:, <tag>
// being stream's hash tag (p<p> for a partition) or, when it has none, its
// whole name. The window number and the shard follow (see DoneKey). For
// stream "" it is LegacyDoneKeyPrefix.
func DoneKeyPrefix(function, stream string) string {
	if stream == "" {
		return LegacyDoneKeyPrefix(function)
	}
	return "fn:{" + HashTag(stream) + "}:" + function + ":done:"
}

// LegacyDoneKeyPrefix starts the idempotency hashes of function as
// versions before partitions filed them, one set per function:
// fn:{<function>}:done:.
func LegacyDoneKeyPrefix(function string) string { return "fn:{" + function + "}:done:" }

// DoneKey is one idempotency hash of function for the events of stream:
// <DoneKeyPrefix><window>:<shard>, window being Unix ms (Redis's clock) /
// IDEMPOTENCY_TTL and shard the first byte of the record's fingerprint
// modulo Shards. records.lua builds the same names.
func DoneKey(function, stream string, window int64, shard int) string {
	return DoneKeyPrefix(function, stream) + strconv.FormatInt(window, 10) + ":" + strconv.Itoa(shard)
}

// AliveKey is the liveness key of one consumer of function:
// fn:{<function>}:alive:<consumer>.
func AliveKey(function, consumer string) string {
	return "fn:{" + function + "}:alive:" + consumer
}

// ProbeKey is the key an instance writes to learn whether Redis takes
// writes: <namespace>:probe:<consumer> (Config.Namespace); it expires by
// itself.
func ProbeKey(namespace, consumer string) string { return namespace + ":probe:" + consumer }
