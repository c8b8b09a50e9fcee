package runtime

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// Config is the runtime's configuration, read from the environment by
// LoadConfig. Every field documents its variable and default; the README's
// configuration table repeats them.
type Config struct {
	// RedisURL is the Redis to use: redis://, rediss:// (TLS), with user and
	// password if needed.
	RedisURL string `env:"REDIS_URL" envDefault:"redis://127.0.0.1:6379/0"`
	// RedisClusterURL, when set, is a Redis Cluster to use instead of
	// RedisURL: redis://[user:password@]host:port?addr=host:port&addr=...
	// (rediss:// for TLS), every address a seed node (go-redis's
	// ParseClusterURL form). It wins over REDIS_URL.
	RedisClusterURL string `env:"REDIS_CLUSTER_URL"`
	// Port is where /healthz, /readyz and /metrics are served (the gateway
	// serves its API there too). 0 picks a free port.
	Port int `env:"PORT" envDefault:"8080"`
	// ListenHost is the interface the HTTP server binds.
	ListenHost string `env:"LISTEN_HOST" envDefault:"127.0.0.1"`
	// LogFormat is "json" (production) or "console" (development).
	LogFormat string `env:"LOG_FORMAT" envDefault:"json"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`

	// Concurrency is the number of handler invocations at once per function.
	Concurrency int `env:"CONCURRENCY" envDefault:"8"`
	// BatchSize is the COUNT of each XREADGROUP.
	BatchSize int `env:"BATCH_SIZE" envDefault:"100"`
	// ReadBlock is the BLOCK of each XREADGROUP; shutdown waits at most this
	// long for a blocked read.
	ReadBlock time.Duration `env:"READ_BLOCK" envDefault:"1s"`
	// MaxAttempts is how many times an event is tried before it is
	// dead-lettered.
	MaxAttempts int `env:"MAX_ATTEMPTS" envDefault:"5"`
	// BackoffBase is the delay before the first retry; it doubles per retry.
	BackoffBase time.Duration `env:"RETRY_BACKOFF_BASE" envDefault:"1s"`
	// BackoffMax caps the retry delay.
	BackoffMax time.Duration `env:"RETRY_BACKOFF_MAX" envDefault:"5m"`
	// RetryPollInterval is how often due retries are moved to the ready
	// queue (asynq's DelayedTaskCheckInterval): retries fire up to this late.
	RetryPollInterval time.Duration `env:"RETRY_POLL_INTERVAL" envDefault:"1s"`
	// IdempotencyTTL is how long a completed invocation is remembered.
	IdempotencyTTL time.Duration `env:"IDEMPOTENCY_TTL" envDefault:"24h"`
	// ClaimMinIdle is how long an entry must sit pending on another consumer
	// before this instance reclaims it (XAUTOCLAIM).
	ClaimMinIdle time.Duration `env:"CLAIM_MIN_IDLE" envDefault:"30s"`
	// ClaimInterval is how often this instance renews the entries delivered
	// to it and checks for idle entries to take over; it must be under
	// half of ClaimMinIdle.
	ClaimInterval time.Duration `env:"CLAIM_INTERVAL" envDefault:"10s"`
	// InvocationTimeout bounds one invocation of a function that sets no
	// Timeout of its own; 0 means ClaimMinIdle. An invocation past it is
	// cancelled and counts as a failed attempt.
	InvocationTimeout time.Duration `env:"INVOCATION_TIMEOUT" envDefault:"0s"`
	// ConsumerGoneAfter is the idle time after which a consumer with nothing
	// pending is deleted from its group.
	ConsumerGoneAfter time.Duration `env:"CONSUMER_GONE_AFTER" envDefault:"1h"`
	// ShutdownTimeout bounds the drain on SIGTERM/SIGINT: in-flight work
	// not done by then stays pending and is redelivered.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"10s"`
	// Partitions is the partition count a partitioned family gets when
	// this process is the first to open it (Function.Partitioned); a
	// family keeps the count it was created with.
	Partitions int `env:"PARTITIONS" envDefault:"16"`
	// PartitionLease is how long an instance's ownership of a partition
	// of an ordered function lasts unless renewed (every third of it): a
	// crashed or paused owner's partitions are taken over after it.
	PartitionLease time.Duration `env:"PARTITION_LEASE" envDefault:"10s"`
	// StartFrom is where a new function's group starts: "beginning" or "new".
	StartFrom StartFrom `env:"START_FROM" envDefault:"beginning"`
	// ConsumerName names this instance in its groups; default host-pid.
	ConsumerName string `env:"CONSUMER_NAME"`
	// RegistryKey is the hash where every running function describes
	// itself (FunctionInfo, see ListFunctions); operators' tools read it.
	RegistryKey string `env:"REGISTRY_KEY" envDefault:"functions:registry"`
	// Namespace prefixes the process-wide names the runtime owns beyond
	// its functions' own keys: the metrics (<namespace>_events_processed_total,
	// ...) and the readiness probe key <namespace>:probe:<consumer>.
	// Letters, digits and '_'.
	Namespace string `env:"RUNTIME_NAMESPACE" envDefault:"functions"`
	// AllowEviction lets the runtime start on a Redis whose
	// maxmemory-policy is not noeviction, accepting that Redis may evict
	// events, pending entries and idempotency records.
	AllowEviction bool `env:"ALLOW_EVICTION" envDefault:"false"`
	// CommitReplicas, when above 0, makes every commit wait (WAIT) until
	// that many replicas of its master acknowledge it, up to
	// CommitReplicasTimeout: Redis replicates asynchronously, so without
	// it a commit acknowledged by a master that fails at once may be lost
	// (its entries are then delivered again). A commit still short when
	// the timeout passes counts as written, with a warning and
	// <namespace>_commits_unreplicated_total; a write to another Cluster
	// slot that is short is retried before the entry's own commit. A
	// successful invocation also waits until every master's replicas
	// have what was written before it finished (what its handler wrote
	// itself): a barrier round shared by the invocations that finish
	// meanwhile; when that is short the invocation fails and is retried.
	// The shop's gateway reads it too: each write of a command waits, and
	// a command still short is answered 503.
	CommitReplicas int `env:"COMMIT_REPLICAS" envDefault:"0"`
	// CommitReplicasTimeout bounds the wait for CommitReplicas.
	CommitReplicasTimeout time.Duration `env:"COMMIT_REPLICAS_TIMEOUT" envDefault:"1s"`
}

// LoadConfig reads Config from the environment, applying the defaults.
func LoadConfig() (Config, error) { return loadConfig(nil) }

// loadConfig is LoadConfig with defaults (variable: value) that replace
// the documented ones for variables the environment does not set.
func loadConfig(defaults map[string]string) (Config, error) {
	environ := env.ToMap(os.Environ())
	for k, v := range defaults {
		if _, set := environ[k]; !set {
			environ[k] = v
		}
	}
	var cfg Config
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environ}); err != nil {
		return cfg, fmt.Errorf("runtime config: %w", err)
	}
	return cfg, cfg.Validate()
}

// DefaultConfig is the configuration with every default and no environment.
func DefaultConfig() Config {
	var cfg Config
	_ = env.ParseWithOptions(&cfg, env.Options{Environment: map[string]string{}})
	return cfg
}

// Validate reports settings that cannot work, and fills ConsumerName and,
// when empty, RegistryKey and Namespace.
func (c *Config) Validate() error {
	switch {
	case c.Concurrency < 1:
		return fmt.Errorf("CONCURRENCY must be at least 1, got %d", c.Concurrency)
	case c.BatchSize < 1:
		return fmt.Errorf("BATCH_SIZE must be at least 1, got %d", c.BatchSize)
	case c.MaxAttempts < 1:
		return fmt.Errorf("MAX_ATTEMPTS must be at least 1, got %d", c.MaxAttempts)
	case c.BackoffBase <= 0 || c.BackoffMax <= 0:
		return fmt.Errorf("RETRY_BACKOFF_BASE and RETRY_BACKOFF_MAX must be positive")
	case c.ReadBlock <= 0:
		return fmt.Errorf("READ_BLOCK must be positive")
	case c.ClaimMinIdle <= 0 || c.ClaimInterval <= 0:
		return fmt.Errorf("CLAIM_MIN_IDLE and CLAIM_INTERVAL must be positive")
	case c.ClaimInterval >= c.ClaimMinIdle/2:
		// Renewal runs every CLAIM_INTERVAL: it must come at least twice
		// within CLAIM_MIN_IDLE, or peers take over work that is merely slow.
		return fmt.Errorf("CLAIM_INTERVAL (%v) must be under half of CLAIM_MIN_IDLE (%v)", c.ClaimInterval, c.ClaimMinIdle)
	case c.Partitions < 1 || c.Partitions > partition.MaxCount:
		return fmt.Errorf("PARTITIONS must be 1 to %d, got %d", partition.MaxCount, c.Partitions)
	case c.PartitionLease < 300*time.Millisecond:
		return fmt.Errorf("PARTITION_LEASE must be at least 300ms, got %v", c.PartitionLease)
	case c.CommitReplicas < 0:
		return fmt.Errorf("COMMIT_REPLICAS must not be negative, got %d", c.CommitReplicas)
	case c.CommitReplicas > 0 && c.CommitReplicasTimeout <= 0:
		return fmt.Errorf("COMMIT_REPLICAS_TIMEOUT must be positive when COMMIT_REPLICAS is set")
	case c.InvocationTimeout < 0:
		return fmt.Errorf("INVOCATION_TIMEOUT must not be negative")
	case c.StartFrom != StartBeginning && c.StartFrom != StartNew:
		return fmt.Errorf("START_FROM must be %q or %q, got %q", StartBeginning, StartNew, c.StartFrom)
	case c.LogFormat != "json" && c.LogFormat != "console":
		return fmt.Errorf("LOG_FORMAT must be json or console, got %q", c.LogFormat)
	case c.Namespace != "" && !validNamespace(c.Namespace):
		return fmt.Errorf("RUNTIME_NAMESPACE must be letters, digits and '_', not starting with a digit, got %q", c.Namespace)
	}
	if c.RegistryKey == "" {
		c.RegistryKey = DefaultRegistryKey
	}
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	if c.ConsumerName == "" {
		host, _ := os.Hostname()
		c.ConsumerName = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return nil
}

// The names a runtime uses when Config leaves them unset: nothing in them
// names a product. A process with names of its own sets Config.RegistryKey
// and Config.Namespace, or passes WithNames to Main.
const (
	DefaultRegistryKey = rdb.DefaultRegistryKey
	DefaultNamespace   = "functions"
)

// validNamespace reports whether ns is a valid Prometheus name prefix.
func validNamespace(ns string) bool {
	if ns == "" || ns[0] >= '0' && ns[0] <= '9' {
		return false
	}
	return strings.Trim(ns, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == ""
}
