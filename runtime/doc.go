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
//     and the ack are written in one step, grouped with the other
//     invocations settled meanwhile, by a Lua script that Redis runs alone
//     (commit.lua). The step is all-or-nothing for any entry within the
//     size limit: the script validates and reads first and raises every
//     error it can raise before its first write. Every write is guarded
//     by a record (emits by the event's, a dead letter by one per entry
//     and attempt): an event whose record exists is acked without running,
//     and a second commit of the same invocation (a duplicate run, a retry
//     after a lost reply) writes nothing twice. Fencing: an outcome whose entry
//     is no longer pending to its consumer writes nothing (no emits,
//     record, dead letter or ack); it is logged and counted
//     (ordershop_commits_fenced_total) and the new owner's run counts.
//     Records are filed by Redis's clock (TIME), never the instance's, and
//     found in windows w-1, w and w+1, so clock skew between instances
//     does not repeat effects. A window's records are spread over 16
//     hashes that expire one after the other. Side effects outside Redis
//     are at-least-once: make them idempotent with Message.IdempotencyKey.
//   - Size limit: an entry over MaxEntryFields fields or MaxEntryBytes
//     bytes is not run; it is dead-lettered at once (DecodeError "entry too
//     large") with a truncated copy: type and event_id only, dlq_truncated
//     true, the entry itself left at dlq_stream/dlq_entry_id (Replay
//     refuses it). An event a handler emits over the limit fails the
//     invocation permanently. Dead letters within the limit keep every
//     original field; dlq_error is cut to 4 KiB. A group the script refuses
//     (an emit to a key that is not a stream) is written item by item and
//     the invocation whose outcome can never be written is dead-lettered
//     ("commit refused"), so one bad outcome holds back no other.
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
//   - Redis that would lose data is refused: Run reads maxmemory-policy
//     at start-up and refuses anything but noeviction unless
//     Config.AllowEviction (ALLOW_EVICTION=true); a Redis that does not let
//     it read CONFIG (managed services) is accepted with a warning. Ready
//     (and /readyz) probes with a tiny write, so a Redis that answers PING
//     but refuses writes (OOM at maxmemory, READONLY, LOADING) makes the
//     instance not ready, with the reason (NotReadyError). A Cluster or
//     Ring client is refused (ErrClusterUnsupported from Register and
//     Run): the commit touches several keys at once.
//
// Main wires all of it into a process: configuration from the environment
// (Config), zap logs, and /healthz, /readyz and /metrics on $PORT.
package runtime
