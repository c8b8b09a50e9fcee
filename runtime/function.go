package runtime

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// StartFrom says where a new consumer group starts reading a stream.
type StartFrom string

const (
	// StartBeginning makes a new function see every event already in the
	// stream (the default: a new projection or reaction catches up).
	StartBeginning StartFrom = "beginning"
	// StartNew makes a new function see only events added after its group
	// was created.
	StartNew StartFrom = "new"
)

// Function is one stateless reaction: a Handler registered to one or more
// streams under a name. The name is the consumer group, so every function
// sees every event (fan-out) and every instance of one function shares the
// work (scale-out).
type Function struct {
	// Name is the function's name: consumer group, dead-letter stream
	// dlq:<Name>, metrics label. Letters, digits, '-', '_' and '.'.
	Name string
	// Streams are the streams the function consumes, e.g. "events:order";
	// with Partitioned, the partitioned families it consumes.
	Streams []string
	// Partitioned makes every name in Streams a partitioned family (see
	// package runtime/partition): the function consumes each of its
	// partition streams. A family that does not exist yet is created with
	// Config.Partitions partitions. With an OrderingKey, each partition
	// is owned by one live instance at a time (a lease with a fencing
	// epoch, rebalanced as instances come and go: see doc.go); without
	// one, every instance reads every partition, as with plain streams.
	Partitioned bool
	// Types, when not empty, filters by event type: other events are acked
	// without running the handler.
	Types []string
	// Handler runs each event.
	Handler Handler
	// Middleware wraps Handler, outermost first; the chain is built once.
	// The runtime's own middleware (metrics, the invocation timeout, panic
	// recovery) wraps it in turn (see buildChain in chain.go).
	Middleware []Middleware
	// OrderingKey, when set, names an entry field (such as "entity_id"):
	// events with the same value never run concurrently and run in stream
	// order; a failing event is retried in place and holds back only its
	// own key. Entries without the field are not ordered.
	OrderingKey string

	// The settings below override the process Config for this function;
	// zero means "use Config".

	// Concurrency is the number of handler invocations at once.
	Concurrency int
	// MaxAttempts is how many times an event is tried before it is
	// dead-lettered; 1 means no retries.
	MaxAttempts int
	// BackoffBase and BackoffMax bound the exponential retry delay:
	// min(BackoffMax, BackoffBase*2^(attempt-1)), with full jitter on its
	// upper half.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// Timeout bounds one invocation; 0 means Config.InvocationTimeout, or
	// ClaimMinIdle when that is 0 too. Past it the handler's context is
	// cancelled and the attempt fails (a handler that does not return
	// within 100ms more is given up); its entry is no longer renewed.
	Timeout time.Duration
	// StartFrom applies when the function's group does not exist yet.
	StartFrom StartFrom
}

// validate checks a Function and fills its zero settings from cfg.
func (f *Function) validate(cfg Config) error {
	if f.Name == "" {
		return errors.New("function name is empty")
	}
	if strings.Trim(f.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		return fmt.Errorf("function name %q: use letters, digits, '-', '_' and '.'", f.Name)
	}
	if len(f.Streams) == 0 {
		return fmt.Errorf("function %s: no streams", f.Name)
	}
	if f.Handler == nil {
		return fmt.Errorf("function %s: nil handler", f.Name)
	}
	orConfig(&f.Concurrency, cfg.Concurrency)
	orConfig(&f.MaxAttempts, cfg.MaxAttempts)
	orConfig(&f.BackoffBase, cfg.BackoffBase)
	orConfig(&f.BackoffMax, cfg.BackoffMax)
	f.BackoffMax = max(f.BackoffMax, f.BackoffBase)
	orConfig(&f.Timeout, cfg.InvocationTimeout)
	orConfig(&f.Timeout, cfg.ClaimMinIdle)
	orConfig(&f.Timeout, DefaultConfig().ClaimMinIdle)
	if f.StartFrom == "" {
		f.StartFrom = cfg.StartFrom
	}
	if f.StartFrom != StartBeginning && f.StartFrom != StartNew {
		return fmt.Errorf("function %s: start from %q: want %q or %q", f.Name, f.StartFrom, StartBeginning, StartNew)
	}
	return nil
}

// accepts reports whether the type filter lets eventType through.
func (f *Function) accepts(eventType string) bool {
	if len(f.Types) == 0 {
		return true
	}
	for _, t := range f.Types {
		if t == eventType {
			return true
		}
	}
	return false
}

// orConfig sets a setting left zero (or negative) to the Config's value.
func orConfig[T int | time.Duration](setting *T, value T) {
	if *setting <= 0 {
		*setting = value
	}
}
