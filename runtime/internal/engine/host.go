package engine

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// Host is the runtime as the engine of one function sees it: its Message,
// handler chain, errors, dead letters and metrics.
type Host interface {
	// NewEntry returns a zero Entry whose Owner is a new Message, the two
	// allocated together.
	NewEntry() *Entry
	// Decode fills e's Fields (from Values, when set) and Data, or says
	// why e is not a well-formed event (a permanent error). It is a no-op
	// on a decoded entry.
	Decode(e *Entry) error
	// Invoke runs e's Message through the function's handler chain.
	Invoke(ctx context.Context, e *Entry) error
	// Emits returns the events the last invocation of e emitted.
	Emits(e *Entry) []rdb.Write
	// DeadLetter builds the dead letter of e failing with cause, and
	// DeadLetterGuard the record that guards one written alone.
	DeadLetter(e *Entry, cause error) rdb.Write
	DeadLetterGuard(dl *rdb.Write) string
	// Permanent marks err as not worth retrying; IsPermanent tells.
	Permanent(err error) error
	IsPermanent(err error) bool
	// LogFailure writes the one log line of a failed invocation of e.
	LogFailure(e *Entry, err error)
	// ObserveGivenUp counts the end of an invocation of e, begun at
	// start, that the watchdog gave up, failing with err.
	ObserveGivenUp(e *Entry, start time.Time, err error)
	// Metrics returns the metrics of one stream of the function.
	Metrics(stream string) *StreamMetrics
	// ReadStreams is told, once and before the function starts, the
	// streams a Partitioned function reads (its families' partitions),
	// so that Metrics finds their children without a lookup per event.
	ReadStreams(streams []string)
	// PartitionsHeld is told how many partitions a leased function holds
	// here after every change; PartitionEvent of every partition
	// "acquired", "released" or "lost".
	PartitionsHeld(n int)
	PartitionEvent(kind string, p int)
	// Registration is the function's registry entry (JSON): streams are
	// the streams it reads (every partition of its families), families
	// its partitioned families.
	Registration(streams []string, families []partition.Family) ([]byte, error)
}

// StreamMetrics are the children of the runtime's collectors for one
// (function, stream), looked up once instead of per event.
type StreamMetrics struct {
	Processed, Failed, Retried, DeadLettered, Skipped, Fenced prometheus.Counter
	// Unreplicated counts outcomes committed on their master but not
	// acknowledged by the replicas COMMIT_REPLICAS asks for in time.
	Unreplicated prometheus.Counter
	Latency      prometheus.Observer
	InFlight     prometheus.Gauge
}

// Spec is one registered function as the engine runs it, its settings
// filled from the Config (see runtime's Function).
type Spec struct {
	Name    string
	Streams []string
	// Accepts is the type filter.
	Accepts     func(eventType string) bool
	OrderingKey string
	Concurrency int
	MaxAttempts int
	BackoffBase time.Duration
	BackoffMax  time.Duration
	Timeout     time.Duration
	// StartNew makes a new group start at the stream's end ("$").
	StartNew bool
	// Partitioned makes Streams the names of partitioned families (see
	// tenure.go).
	Partitioned bool
}

// Config is the process configuration the engine uses (see runtime's
// Config).
type Config struct {
	ConsumerName      string
	RegistryKey       string
	BatchSize         int
	ReadBlock         time.Duration
	IdempotencyTTL    time.Duration
	ClaimMinIdle      time.Duration
	ClaimInterval     time.Duration
	ConsumerGoneAfter time.Duration
	ShutdownTimeout   time.Duration
	RetryPollInterval time.Duration
	// MaxWriteValues bounds the field names and values of one write.
	MaxWriteValues int
	// Replication is how many replicas each commit waits for.
	Replication rdb.Replication
	// Partitions is the count a family this process creates gets;
	// PartitionLease the life of a partition's ownership lease.
	Partitions     int
	PartitionLease time.Duration
}
