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
//     An instance first runs its own pending entries (read before a crash
//     or restart). Every entry delivered to an instance and not settled
//     (read ahead, queued, running, waiting for a retry in place) is
//     renewed every ClaimInterval (under ClaimMinIdle/2, Validate refuses
//     more), only while this consumer still owns it. Entries idle for
//     ClaimMinIdle (nobody renews them: the holder died, is paused that
//     long, or its invocation ran past its timeout) are taken over with
//     XAUTOCLAIM, never sooner, and never while Redis refuses writes (the
//     liveness key is the write probe: at maxmemory or on a read-only
//     replica no instance takes over work).
//   - Attempts are the entry's delivery count in the consumer group, so
//     they survive crashes: an attempt is counted in Redis before it runs.
//     A process that dies in a handler uses up the attempt like a failure;
//     an entry that has had MaxAttempts attempts and is delivered again is
//     dead-lettered without running (a poison pill that crashes its
//     process stops after MaxAttempts crashes). An entry taken over, or
//     found pending at start-up, runs alone: nothing runs beside it and
//     everything before it is committed, so a crash is charged to it
//     alone. A crash charges one attempt to every entry the process held,
//     run or not (a graceful shutdown gives back the deliveries it never
//     ran).
//   - Invocation timeout: Function.Timeout, else Config.InvocationTimeout,
//     else ClaimMinIdle. Past it the handler's context is cancelled and
//     the attempt fails; a handler that does not return 100ms later is
//     given up (left running on its own goroutine) and its entry moves on.
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
//     (<namespace>_commits_fenced_total) and the new owner's run counts.
//     Records are filed by Redis's clock (TIME), never the instance's, and
//     found in windows w-1, w and w+1, so clock skew between instances
//     does not repeat effects. A window's records are spread over 16
//     hashes that expire one after the other. Side effects outside Redis
//     are at-least-once: make them idempotent with Message.IdempotencyKey.
//   - Size limit: an entry over MaxEntryFields fields or MaxEntryBytes
//     bytes is not run; it is dead-lettered at once (DecodeError "entry too
//     large") with a truncated copy: type and event_id only, dlq_truncated
//     true, the entry itself left at dlq_stream/dlq_entry_id
//     (inspect.Replay refuses it). An event a handler emits over the limit fails the
//     invocation permanently. Dead letters within the limit keep every
//     original field; dlq_error is cut to 4 KiB. A group the script refuses
//     (an emit to a key that is not a stream) is written item by item and
//     the invocation whose outcome can never be written is dead-lettered
//     ("commit refused"), so one bad outcome holds back no other.
//   - Retries: a failed invocation (error, panic or timeout) is retried
//     with exponential backoff, base·2^(n-1) plus up to 25% jitter,
//     capped, until MaxAttempts. Without an OrderingKey, retries are
//     delayed asynq tasks on the queue fn.<name> (task id = idempotency
//     key) and do not block the events behind it; the runtime counts their
//     attempts (infrastructure errors, a shutdown or Redis failing, use
//     none) and no task is ever archived by asynq. With an OrderingKey, a
//     failing event is retried in place: it stays pending and its key's
//     lane waits off the workers, holding no worker and no slot, so only
//     its key waits. Retry tasks and stream entries share Concurrency.
//   - Dead letters: a Permanent error, an entry that is not a well-formed
//     event (DecodeError) and exhausted attempts go to dlq:<function> with
//     the original fields and dlq_* metadata (see inspect.DeadLetter); then
//     the entry is acked. An entry without type or event_id is
//     dead-lettered by every function; any other entry meets the type
//     filter first, so a function that does not handle its type acks it
//     unread. A replay (package runtime/inspect: Replay, Inspector.Replay)
//     sends a dead letter back through its function only; the dead letter
//     stays in dlq:<function> until the replay has settled (committed or
//     dead-lettered again). A replay of an ordered function runs after the
//     newer events of its key handled meanwhile, but never beside one on
//     the same instance.
//   - Replays of one dead letter, racing or repeated, run it once: an
//     inspect.Inspector's replay claims the entry (inspect.ReplayClaimKey)
//     before scheduling it, for inspect.ReplayClaimPending (30s) until its
//     task is enqueued and then for inspect.ReplayClaimTTL (24h), and
//     replays that find it claimed, or its task already waiting or running,
//     report it Skipped; the task id is derived from the entry id, and a
//     replay task whose dead letter has left the stream when it runs
//     (replayed already, or purged) is dropped without running. A replay
//     that dies (crash, SIGKILL, lost connection) between the claim and the
//     enqueue leaves the entry skipped by every replay for at most
//     inspect.ReplayClaimPending; then the next replay schedules it. One
//     that dies after the enqueue has scheduled it: it runs, and later
//     replays report it Skipped.
//   - Ordering: with an OrderingKey, events with the same key value run one
//     at a time in stream order; other keys run in parallel on the bounded
//     pool (Concurrency). The order holds within one instance, across a
//     retry in place, a shutdown (a waiting key's entries are all left
//     pending), a crash and restart (a starting instance waits up to
//     ClaimMinIdle for a gone consumer's entries, takes them over and runs
//     them before anything new), not between two instances running at
//     once, and not for a handler given up after its timeout (its retry
//     may run while it still runs).
//   - Partitions (Function.Partitioned; package runtime/partition): each
//     name in Streams is a family of P partition streams, P fixed when the
//     family is created (Config.Partitions for a new one, kept in
//     <family>:partitions), and the function reads every partition. With
//     an OrderingKey the function is leased: each partition is read by one
//     live instance at a time, the holder of its lease
//     fn:{p<p>}:<function>:lease ("<consumer>:<epoch>", life
//     PartitionLease, renewed every third of it); instances share the
//     partitions evenly and stickily (one keeps what it holds up to its
//     share, fn:{<function>}:members lists the live ones); a new owner first
//     claims every entry of the partition still pending in the group and
//     runs them in stream order, then reads new ones; an owner handing a
//     partition over (rebalance) stops reading it, lets what it read settle
//     and commit (up to ShutdownTimeout), then releases the lease; on
//     SIGTERM every lease is released after the final commits; a crashed
//     or paused owner's leases expire after PartitionLease and are taken
//     over. An entry of a partition read here that is left pending to this
//     instance and no longer tracked (a Redis restarted from an older
//     AOF, say) is recovered after ClaimMinIdle, as on a plain stream.
//     Fencing by epoch: an outcome is written only while the lease
//     still holds the token it was read under, so a former owner (paused
//     past its lease, or whose lease passed on) writes nothing; and every
//     read checks the leases of the partitions it reads in the same step
//     (a script), so a former owner takes no new entry either. So
//     per-key order holds across instances, handovers, crashes and pauses
//     when every event of a key is in one partition (the producer's
//     partition key is the ordering key). Without an OrderingKey every
//     instance reads every partition, as with plain streams.
//   - Redis Cluster (a *redis.ClusterClient; REDIS_CLUSTER_URL under
//     Main): a script, a MULTI or a multi-key command may touch one hash
//     slot only, so every key is named for the slot it must share. An
//     invocation's idempotency record lives in the slot of the stream its
//     entry was read from: fn:{<tag>}:<function>:done:…, <tag> being the
//     stream's hash tag (p<p> for partition p of every family, so one
//     partition of every family and every function's records, leases and
//     epochs for it share one slot) or its whole name. A commit runs one
//     script per slot of its entries. Two paths, and what each
//     guarantees:
//     same slot: an emit to a stream of the entry's own slot (an event
//     about the same entity, in the same partition of any family) is
//     written in the entry's commit, with its record, its ack and the
//     lease check: exactly once, atomic and fenced, as on one node;
//     another slot: an emit to another slot (an event about another
//     entity, in another partition) and a dead letter (dlq:<function> has
//     a slot of its own) are written first, each by a commit script in
//     its destination's slot that guards it by a record there (the
//     emitting function's, field WriteGuard(event id, stream, n), or the
//     dead letter's guard): whatever the number of runs and commits of
//     the invocation, each is written once while its guard lives
//     (IdempotencyTTL), before the entry's own commit, in the emitting
//     key's order (an ordered function commits a key's events one after
//     the other). A crash between the two leaves the entry pending; it
//     runs again and finds its writes elsewhere guarded: effectively once
//     by a deterministic guard, not atomic with the ack, and not fenced
//     (a former owner's run may have written them; the new owner's run
//     then writes nothing twice). A consumer of such an emit also dedupes
//     by its event id (its own records), so an emit whose event id is
//     deterministic (derived from the input's) is handled once even if a
//     handler emitted it under two runs with different guards.
//     Replication (Config.CommitReplicas): Redis Cluster (and a single
//     node with replicas) replicates asynchronously, so a failover may
//     lose writes the master acknowledged. With CommitReplicas every
//     commit script is followed by WAIT on its connection; a write to
//     another slot short of replicas holds back the entry's commit; and a
//     successful invocation counts as done only after a barrier round (a
//     write and WAIT on every master, shared by the invocations that
//     finish meanwhile) found everything written before it on the
//     replicas: a handler's own writes (a read model, a reservation) are
//     then safe before its entry is acked. A barrier short in time fails
//     the invocation, which is retried (handlers are idempotent). An
//     entry's own commit still short at the timeout counts as written
//     (warning, <namespace>_commits_unreplicated_total): if the failover
//     loses it, it is lost whole and its entry is delivered again.
//     Reading several streams of several slots cannot block in one call:
//     a reader polls them (no wait while entries come, doubling to 100ms
//     when idle), a Cluster's extra latency when idle. Records filed per
//     function by earlier versions (fn:{<function>}:done:) are consulted
//     on a single node while they may exist, never on a Cluster.
//   - Shutdown (ctx done, SIGTERM/SIGINT under Main): reading stops, keys
//     waiting for a retry in place are left pending, the work already
//     delivered finishes within ShutdownTimeout and is committed; then
//     what is still running is cancelled and, with everything not done,
//     stays pending and is redelivered. Run returns within
//     ShutdownTimeout + 2s, Redis up or down, whatever the handlers do.
//   - Redis unreachable: reads, commits and group creation retry with
//     backoff; nothing is acked that was not handled.
//   - Redis that would lose data is refused: Run reads maxmemory-policy
//     at start-up and refuses anything but noeviction unless
//     Config.AllowEviction (ALLOW_EVICTION=true); a Redis that does not let
//     it read CONFIG (managed services) is accepted with a warning. Ready
//     (and /readyz) probes with a tiny write, so a Redis that answers PING
//     but refuses writes (OOM at maxmemory, READONLY, LOADING) makes the
//     instance not ready, with the reason (NotReadyError). A Ring client
//     is refused (ErrRingUnsupported from Register and Run): it shards
//     without hash slots. A Cluster client works (see Redis Cluster).
//
// # Conformance
//
// Every promise above is a property of the conformance suite (package
// runtimetest, run by TestConformance, and on partitions by
// TestConformanceOnPartitions, against real processes on a given
// Redis; go test -run 'TestConformance/<name>' ./runtime/runtimetest/),
// and is also pinned by the unit tests named beside it (package runtime;
// those of the replay claims in package runtime/inspect):
//
//	AtLeastOnce/KillDuringWork                  TestCrashBetweenHandlerAndCommit, TestDeadConsumersPendingEntriesAreReclaimed
//	AtLeastOnce/RedisRestart                    TestRedisRestartMidRun
//	AtLeastOnce/PausedPastLease                 TestTakenOverEntryIsCommittedByItsNewOwnerOnly, TestCommitOfAConsumerThatLostItsEntryWritesNothing
//	EffectivelyOnce/PausedWithinLease           TestPausedProcessKeepsItsWork, TestLiveConsumersEntriesWaitForIdle
//	EffectivelyOnce/NoStealingFromHealthyPeers  TestHealthyPeersDoNotStealReadAhead, TestRenewalNeverClaimsBackATakenEntry
//	EffectivelyOnce/DuplicateEntries            TestRedeliveredCompletedEventIsNotRerun, TestCommitWritesEachEventOnce
//	(commit retried after a lost reply)         TestRetryPathDeadLetterIsWrittenOnceAfterALostReply
//	(clock skew between instances)              TestWindowsSurviveClockSkew, TestCommitSeesRecordsOfThePreviousWindow
//	(replay dying between claim and enqueue)    TestReplayThatDiesAfterItsClaimIsReplayedOnceTheClaimExpires, TestReplayThatDiesBeforeKeepingItsClaimIsScheduledOnce
//	(replay of a dead letter already replayed)  TestReplayOfADeadLetterThatHasLeftTheStreamDoesNotRun, TestReplayIsSkippedForTheClaimTTL
//	Order/Retry                                 TestPerKeyOrderingUnderConcurrency, TestRetryThenSuccess
//	Order/Crash                                 TestPerKeyOrderSurvivesFailover
//	Order/FailingKeyHoldsOnlyItself             TestFailingKeyHoldsNoSlots, TestFailingKeyDoesNotStallOtherKeys
//	Order/ShutdownDuringRetry                   TestShutdownKeepsPerKeyOrder
//	Shutdown/HandlerIgnoresContext              TestShutdownIsBounded, TestHungHandlerIsGivenUpAndItsKeyMovesOn
//	Shutdown/RedisDown                          TestShutdownIsBounded
//	Poison/Malformed                            TestMalformedEntriesAreDeadLetteredAndLaterEventsRun
//	Poison/Huge                                 TestHugeEntryIsDeadLetteredWhole, TestHugeEntryWithoutTypeIsDeadLettered, TestOversizeWriteFailsBeforeAnyWrite
//	Poison/CrashesTheProcess                    TestPoisonPillThatCrashesTheProcessIsDeadLettered
//	Poison/Permanent                            TestPermanentErrorIsDeadLetteredAtOnce
//	Redis/EvictingPolicyRefused                 TestEvictingRedisIsRefused
//	Redis/RefusedWritesNotReady                 TestReadyzReportsARedisThatRefusesWrites, TestNoTakeoverWhileRedisRefusesWrites
//	Replay/FailingAgain                         TestArchivedTaskDoesNotSwallowAFailure, TestReplayInterruptedByShutdownsIsNotLost
//	Replay/AfterFix                             TestReplayOfAnOrderedFunctionNeverRunsBesideItsKey
//	(partitions: every property above again)    TestConformanceOnPartitions (4 partitions, ordered functions leased)
//	(partition leases under faults)             TestPartitionOwnershipUnderChaos, TestLeasedPartitionsSplitAndKeepOrder
//	(fencing of a former owner)                 TestFormerOwnerCommitsNothing
//
// Main wires all of it into a process: configuration from the environment
// (Config), zap logs, and /healthz, /readyz and /metrics on $PORT.
package runtime
