package runtime

import "strconv"

// Redis keys the runtime owns. A function's own keys carry the hash tag
// {<function>} so that they share a cluster slot.

// DeadLetterStream is the dead-letter stream of a function: dlq:<function>.
func DeadLetterStream(function string) string { return "dlq:" + function }

// RetryQueue is the asynq queue that holds a function's retries and replays.
func RetryQueue(function string) string { return "fn." + function }

// retryTaskType is the asynq task type of a function's retries.
func retryTaskType(function string) string { return "retry:" + function }

// DoneKeyPrefix starts every idempotency hash of function; the window
// number and the shard follow (see doneRecords and DoneKey).
func DoneKeyPrefix(function string) string { return "fn:{" + function + "}:done:" }

// DoneKey is one idempotency hash of function:
// fn:{<function>}:done:<window>:<shard>, window being Unix ms (Redis's
// clock) / IDEMPOTENCY_TTL and shard the first byte of the record's
// fingerprint modulo 16. commit.lua and lookup.lua build the same names.
func DoneKey(function string, window int64, shard int) string {
	return DoneKeyPrefix(function) + strconv.FormatInt(window, 10) + ":" + strconv.Itoa(shard)
}

// probeKey is the key an instance writes to learn whether Redis takes
// writes (see Runtime.Ready); it expires by itself.
func probeKey(consumer string) string { return "ordershop:probe:" + consumer }

// aliveKey is the liveness key of one consumer of function (see heartbeat).
func aliveKey(function, consumer string) string {
	return "fn:{" + function + "}:alive:" + consumer
}
