package runtime

// Redis keys the runtime owns. A function's own keys carry the hash tag
// {<function>} so that they share a cluster slot.

// DeadLetterStream is the dead-letter stream of a function: dlq:<function>.
func DeadLetterStream(function string) string { return "dlq:" + function }

// RetryQueue is the asynq queue that holds a function's retries and replays.
func RetryQueue(function string) string { return "fn." + function }

// retryTaskType is the asynq task type of a function's retries.
func retryTaskType(function string) string { return "retry:" + function }

// DoneKeyPrefix starts every idempotency hash of function; the window
// number follows (see doneRecords).
func DoneKeyPrefix(function string) string { return "fn:{" + function + "}:done:" }

// aliveKey is the liveness key of one consumer of function (see heartbeat).
func aliveKey(function, consumer string) string {
	return "fn:{" + function + "}:alive:" + consumer
}
