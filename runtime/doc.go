// Package runtime runs stateless handler functions on Redis Streams: the
// generic half of OrderShop Functions. It knows nothing about shops.
//
// A Function is a Handler registered under a name to one or more streams,
// with an optional event-type filter. The name is the consumer group: every
// function sees every event of its streams (fan-out), and every instance of
// one function shares the group's work (scale-out).
//
// # Delivery contract
//
//   - At-least-once: an entry is acked only after its outcome is written.
//     An instance first drains its own pending entries. Pending entries of
//     a consumer whose liveness key has expired (it crashed or stopped) are
//     taken over at once; entries idle on a live consumer for ClaimMinIdle
//     are reclaimed with XAUTOCLAIM.
//   - Effectively-once inside Redis: each invocation has an idempotency key
//     (function + event_id). On success the events the handler emitted
//     (Message.Emit), the idempotency record (kept at least IdempotencyTTL)
//     and the ack are written in one atomic step, grouped with the other
//     invocations settled meanwhile: a MULTI/EXEC when nothing is emitted,
//     else a Lua script that Redis runs alone like MULTI/EXEC (commit.lua). An event whose record exists is acked
//     without running, and a second commit of the same invocation writes
//     no events. Side effects outside Redis should be made idempotent with
//     Message.IdempotencyKey.
//   - Retries: a failed invocation (error or panic) is retried with
//     exponential backoff, base·2^(n-1) plus up to 25% jitter, capped, until
//     MaxAttempts. Retries are delayed asynq tasks on the queue fn.<name>
//     (task id = idempotency key) and do not block the events behind it.
//     With an OrderingKey, a failing event is retried in place instead, and
//     only its key waits.
//   - Dead letters: a Permanent error, an entry that is not a well-formed
//     event (DecodeError) and exhausted retries go to dlq:<function> with
//     the original fields and dlq_* metadata (see DeadLetter); then the
//     entry is acked. An entry without type or event_id is dead-lettered
//     by every function; any other entry meets the type filter first, so a
//     function that does not handle its type acks it unread. Replay sends a
//     dead letter back through its function only.
//   - Ordering: with an OrderingKey, events with the same key value run one
//     at a time in stream order; other keys run in parallel on the bounded
//     pool (Concurrency). The order holds within one instance and across
//     its crash and restart (a starting instance runs the entries it takes
//     over from gone consumers before anything new), not between two
//     instances running at once.
//   - Shutdown (ctx done, SIGTERM/SIGINT under Main): reading stops,
//     in-flight work finishes within ShutdownTimeout and is committed; what
//     is not done by then stays pending and is redelivered.
//   - Redis unreachable: reads, commits and group creation retry with
//     backoff; nothing is acked that was not handled.
//
// Main wires all of it into a process: configuration from the environment
// (Config), zap logs, and /healthz, /readyz and /metrics on $PORT.
package runtime
