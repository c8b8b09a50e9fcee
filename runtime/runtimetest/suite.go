package runtimetest

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Target is the Redis the suite runs against, and the worker binary it
// runs there.
type Target struct {
	// URL is what worker processes get as REDIS_URL.
	URL string
	// ClusterURL, when set, is what they get as REDIS_CLUSTER_URL instead:
	// the target is a Redis Cluster.
	ClusterURL string
	// Client returns a client of the same Redis for the suite's checks.
	Client func(t testing.TB) redis.UniversalClient
	// Kill stops Redis abruptly (as SIGKILL does); Restart starts it again
	// with its data. The Redis must persist every acknowledged write (AOF
	// with appendfsync always) for the restart properties to hold.
	Kill, Restart func() error
	// Worker is the path of the worker binary (see BuildWorker).
	Worker string
	// Partitions, when above 0, runs every property on a partitioned
	// family of that many partitions instead of one stream: an event
	// goes to the partition of its ordering key (of its event id when it
	// has none), and an ordered function's partitions are leased, with
	// PARTITION_LEASE equal to the suite's CLAIM_MIN_IDLE.
	Partitions int
}

// Property is one promise of the delivery contract and the test that
// tries to break it.
type Property struct {
	// Name is the test's name under Run, e.g. "AtLeastOnce/KillDuringWork".
	Name string
	// Promise says what must hold, as runtime/doc.go states it.
	Promise string
	// Test runs the property against a target.
	Test func(t *testing.T, tg Target)
}

// Properties returns every property of the suite, in the order Run runs
// them (each one's test in the props_*.go file named above it).
func Properties() []Property {
	return []Property{
		// props_delivery.go
		{"AtLeastOnce/KillDuringWork", "an instance killed with SIGKILL mid-batch loses nothing: a peer or its restart handles every event, and each event's effects are committed once", killDuringWork},
		{"AtLeastOnce/RedisRestart", "Redis killed and restarted under load (AOF) loses nothing and commits nothing twice", redisRestart},
		{"AtLeastOnce/PausedPastLease", "an instance paused (SIGSTOP) longer than CLAIM_MIN_IDLE has its entries taken over; when it resumes, its commits write nothing (fencing): each effect once", pausedPastLease},
		{"EffectivelyOnce/PausedWithinLease", "an instance paused for less than CLAIM_MIN_IDLE (but past its liveness TTL) keeps its work: no event runs twice", pausedWithinLease},
		{"EffectivelyOnce/NoStealingFromHealthyPeers", "two healthy instances under backlog with slow handlers never take each other's delivered work: every event runs once", noStealing},
		{"EffectivelyOnce/DuplicateEntries", "the same event id appended several times runs and commits once", duplicateEntries},
		// props_order.go
		{"Order/Retry", "with an ordering key, a failing event is retried in place: its key's later events commit after it, other keys go on", orderRetry},
		{"Order/Crash", "an ordered instance killed mid-key and restarted commits each key's events in stream order, once", orderCrash},
		{"Order/FailingKeyHoldsOnlyItself", "a key whose events keep failing holds back only itself: other keys' events commit promptly, even with every worker slot taken by the failing key's backlog", failingKeyHoldsOnlyItself},
		{"Order/ShutdownDuringRetry", "an ordered lane retrying when shutdown starts keeps its head: the key's next event never commits before it", orderShutdownDuringRetry},
		// props_shutdown.go
		{"Shutdown/HandlerIgnoresContext", "SIGTERM with a handler that never returns and ignores its context: the process exits 0 within SHUTDOWN_TIMEOUT + 2 s, and the entry stays pending for redelivery", shutdownHungHandler},
		{"Shutdown/RedisDown", "SIGTERM while Redis is down: the process still exits within the bound", shutdownRedisDown},
		// props_poison.go
		{"Poison/Malformed", "entries without type or event_id, or with data that is not a JSON object, go to dlq:<function>; the events behind them commit", poisonMalformed},
		{"Poison/Huge", "a 5,000-field entry (over the size limit) is dead-lettered at once, never half committed; the good events of its batch commit once", poisonHuge},
		{"Poison/CrashesTheProcess", "an event that kills the process on every delivery is dead-lettered after MAX_ATTEMPTS deliveries, counted across restarts; the rest commit", poisonCrash},
		{"Poison/Permanent", "a permanent error dead-letters at once, with no retry", poisonPermanent},
		// props_redis.go
		{"Redis/EvictingPolicyRefused", "a Redis whose maxmemory-policy is not noeviction is refused at start-up, with an error that names the policy", evictingPolicyRefused},
		{"Redis/RefusedWritesNotReady", "while Redis refuses writes (maxmemory reached under noeviction), /readyz is not ready and says why; it recovers when Redis does", refusedWritesNotReady},
		{"Replay/FailingAgain", "a replayed event that fails again returns to dlq:<function>, however often it is replayed; no failure ends anywhere else", replayFailingAgain},
		{"Replay/AfterFix", "a dead letter replayed after its cause is fixed commits once and leaves dlq:<function> once it has settled", replayAfterFix},
	}
}

// Run runs every property as a subtest of t, one after another (each
// starts and stops its own worker processes; they share the target's
// Redis, under names of their own).
func Run(t *testing.T, tg Target) {
	for _, p := range Properties() {
		t.Run(p.Name, func(t *testing.T) { p.Test(t, tg) })
	}
}

// WorkerPackage is the import path of the worker command.
const WorkerPackage = "github.com/ordershop/functions/runtime/runtimetest/worker"

// BuildWorker builds the worker binary into dir and returns its path. It
// runs the go tool, so call it from inside the module (as a test does).
func BuildWorker(dir string) (string, error) {
	path := filepath.Join(dir, "conformance-worker")
	if out, err := exec.Command("go", "build", "-o", path, WorkerPackage).CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: string(out)}
	}
	return path, nil
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string {
	return "go build " + WorkerPackage + ": " + e.err.Error() + "\n" + e.out
}
func (e *buildError) Unwrap() error { return e.err }
