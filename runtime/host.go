package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// host is one registered Function as its engine sees it (engine.Host):
// its handler chain, metrics and failure log line, and the Message of
// each of its entries.
type host struct {
	fn      Function
	cfg     Config
	chain   Handler
	logger  *zap.Logger
	metrics *Metrics
	// byStream holds the metrics of each of the function's streams.
	byStream map[string]*engine.StreamMetrics
}

// delivery is an engine entry and the Message it shows the handler,
// allocated together: an entry costs one allocation.
type delivery struct {
	msg   Message
	entry engine.Entry
}

func newHost(fn Function, cfg Config, logger *zap.Logger, metrics *Metrics) *host {
	h := &host{
		fn: fn, cfg: cfg, metrics: metrics,
		logger:   logger.With(zap.String("function", fn.Name)),
		byStream: map[string]*engine.StreamMetrics{},
	}
	for _, s := range fn.Streams {
		h.byStream[s] = metrics.forStream(fn.Name, s)
	}
	h.chain = buildChain(fn, h.Metrics, h.logFailure)
	return h
}

// newWorker returns the engine's worker of fn, validated against cfg.
func newWorker(fn Function, cfg Config, r *rdb.RDB, logger *zap.Logger, metrics *Metrics) *engine.Worker {
	h := newHost(fn, cfg, logger, metrics)
	spec := engine.Spec{
		Name: fn.Name, Streams: fn.Streams, Accepts: h.fn.accepts, OrderingKey: fn.OrderingKey,
		Concurrency: fn.Concurrency, MaxAttempts: fn.MaxAttempts,
		BackoffBase: fn.BackoffBase, BackoffMax: fn.BackoffMax, Timeout: fn.Timeout,
		StartNew: fn.StartFrom == StartNew, Partitioned: fn.Partitioned,
	}
	return engine.NewWorker(spec, engineConfig(cfg), h, r, logger)
}

// engineConfig is what the engine uses of cfg.
func engineConfig(cfg Config) engine.Config {
	return engine.Config{
		ConsumerName: cfg.ConsumerName, RegistryKey: cfg.RegistryKey,
		BatchSize: cfg.BatchSize, ReadBlock: cfg.ReadBlock, IdempotencyTTL: cfg.IdempotencyTTL,
		ClaimMinIdle: cfg.ClaimMinIdle, ClaimInterval: cfg.ClaimInterval, ConsumerGoneAfter: cfg.ConsumerGoneAfter,
		ShutdownTimeout: cfg.ShutdownTimeout, RetryPollInterval: cfg.RetryPollInterval,
		MaxWriteValues: maxWriteValues, Partitions: cfg.Partitions, PartitionLease: cfg.PartitionLease,
		Replication: rdb.Replication{Replicas: cfg.CommitReplicas, Timeout: cfg.CommitReplicasTimeout},
	}
}

// NewEntry returns an entry allocated with its Message.
func (h *host) NewEntry() *engine.Entry {
	d := &delivery{}
	d.entry.Owner = &d.msg
	return &d.entry
}

// ReadStreams looks up the metrics of the partitions a Partitioned
// function reads; it runs before the function starts, so Metrics reads
// the map without a lock.
func (h *host) ReadStreams(streams []string) {
	for _, s := range streams {
		h.byStream[s] = h.metrics.forStream(h.fn.Name, s)
	}
}

// Metrics returns the metrics of one stream of the function.
func (h *host) Metrics(stream string) *engine.StreamMetrics {
	if m, ok := h.byStream[stream]; ok {
		return m
	}
	return h.metrics.forStream(h.fn.Name, stream)
}

// message returns e's Message, showing e as it stands now.
func (h *host) message(e *engine.Entry) *Message {
	m := e.Owner.(*Message)
	m.Function, m.Stream, m.ID = h.fn.Name, e.Stream, e.ID
	m.Type, m.EventID, m.Data, m.Fields = e.Type, e.EventID, e.Data, e.Fields
	m.Attempt, m.IdempotencyKey, m.FirstFailure = e.Attempt, e.IdempotencyKey, e.FirstFailure
	return m
}

// Invoke runs e's Message through the function's chain.
func (h *host) Invoke(ctx context.Context, e *engine.Entry) error {
	return h.chain.Handle(ctx, h.message(e))
}

// Emits returns the events e's Message emitted, as the commit writes them.
func (h *host) Emits(e *engine.Entry) []rdb.Write {
	return writes(e.Owner.(*Message).emits)
}

// writes converts emits to the commit's writes.
func writes(emits []Emit) []rdb.Write {
	if len(emits) == 0 {
		return nil
	}
	out := make([]rdb.Write, len(emits))
	for i, e := range emits {
		out[i] = rdb.Write(e)
	}
	return out
}

// Decode fills e's Fields and Data from the raw entry, or says why the
// entry is not a well-formed event. It is a no-op on a decoded entry.
func (h *host) Decode(e *engine.Entry) error {
	if e.Values == nil && e.Data != nil {
		return nil
	}
	if e.Values != nil {
		fields := make(map[string]string, len(e.Values))
		for k, v := range e.Values {
			s, ok := v.(string)
			if !ok {
				s = fmt.Sprint(v)
			}
			fields[k] = s
		}
		e.Values, e.Fields = nil, fields
	}
	data, err := eventData(e.Fields, e.Type, e.EventID)
	e.Data = data
	return err
}

// DeadLetter builds the dead letter of e failing with cause.
func (h *host) DeadLetter(e *engine.Entry, cause error) rdb.Write {
	m := Message{Stream: e.Stream, ID: e.ID, Fields: e.Fields, Attempt: e.Attempt, FirstFailure: e.FirstFailure}
	return rdb.Write(newDeadLetterEntry(h.fn.Name, &m, cause, time.Now()))
}

// DeadLetterGuard is the record that guards a dead letter written alone.
func (h *host) DeadLetterGuard(dl *rdb.Write) string {
	return rdb.DeadLetterGuard(dl.Fields[DLQFieldStream], dl.Fields[DLQFieldEntryID], dl.Fields[DLQFieldAttempts])
}

// Permanent is the runtime's Permanent.
func (h *host) Permanent(err error) error { return Permanent(err) }

// IsPermanent is the runtime's IsPermanent.
func (h *host) IsPermanent(err error) bool { return IsPermanent(err) }

// LogFailure writes the one log line of a failed invocation of e.
func (h *host) LogFailure(e *engine.Entry, err error) {
	h.logInvocation(e.Stream, e.ID, e.EventID, e.Type, e.Attempt, err)
}

// logFailure writes the one log line of a failed invocation of msg.
func (h *host) logFailure(msg *Message, err error) {
	h.logInvocation(msg.Stream, msg.ID, msg.EventID, msg.Type, msg.Attempt, err)
}

func (h *host) logInvocation(stream, id, eventID, eventType string, attempt int, err error) {
	fields := []zap.Field{
		zap.String("stream", stream),
		zap.String("entry_id", id),
		zap.String("event_id", eventID),
		zap.String("type", eventType),
		zap.Int("attempt", attempt),
		zap.Bool("permanent", IsPermanent(err) || isDecodeError(err)),
		zap.Error(err),
	}
	var p *PanicError
	if errors.As(err, &p) {
		fields = append(fields, zap.ByteString("stack", p.Stack))
	}
	h.logger.Error("invocation failed", fields...)
}

// ObserveGivenUp counts the end of an invocation of e given up by the
// watchdog, failing with err.
func (h *host) ObserveGivenUp(e *engine.Entry, start time.Time, err error) {
	if observed(h.Metrics(e.Stream), start, err) {
		h.LogFailure(e, err)
	}
}

// Registration is the function's FunctionInfo as JSON.
func (h *host) Registration(streams []string, families []partition.Family) ([]byte, error) {
	b, err := json.Marshal(h.info(streams, families))
	if err != nil {
		return nil, fmt.Errorf("register %s: %w", h.fn.Name, err)
	}
	return b, nil
}
