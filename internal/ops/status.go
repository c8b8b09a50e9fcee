package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// FunctionStatus is one function at a glance.
type FunctionStatus struct {
	// Name is the function's name, also its consumer group.
	Name string `json:"name"`
	// Registered is false for a function known only by its dead-letter
	// stream (it has not run since the registry was cleared, or was removed).
	Registered bool `json:"registered"`
	// Registration is what the function last published about itself.
	Registration *runtime.FunctionInfo `json:"registration,omitempty"`
	// Streams are the function's streams and its group on each.
	Streams []StreamStatus `json:"streams"`
	// Lag is the entries not yet delivered to the group, summed over its
	// streams; nil when Redis cannot tell for some stream (see StreamStatus).
	Lag *int64 `json:"lag"`
	// Pending is the entries delivered to a consumer and not yet acked.
	Pending int64 `json:"pending"`
	// Retrying is the failed invocations waiting for a retry or a replay in
	// the function's asynq queue (scheduled, retry, pending and active).
	Retrying int64 `json:"retrying"`
	// Dead is the length of the function's dead-letter stream.
	Dead int64 `json:"dead"`
}

// StreamStatus is a function's consumer group on one stream.
type StreamStatus struct {
	Stream string `json:"stream"`
	// Length is the stream's XLEN.
	Length int64 `json:"length"`
	// GroupExists is false until the function has started on the stream.
	GroupExists     bool   `json:"group_exists"`
	LastDeliveredID string `json:"last_delivered_id,omitempty"`
	// Lag is XINFO GROUPS' lag: nil when Redis cannot compute it (entries
	// deleted inside the undelivered range) or the group does not exist.
	Lag       *int64           `json:"lag"`
	Pending   int64            `json:"pending"`
	Consumers []ConsumerStatus `json:"consumers"`
}

// ConsumerStatus is one consumer (one function instance) in a group.
type ConsumerStatus struct {
	Name    string `json:"name"`
	Pending int64  `json:"pending"`
	// Idle is the time since the consumer's last attempted interaction.
	Idle Millis `json:"idle_ms"`
	// Inactive is the time since its last successful read (Redis 7.2+; 0
	// on older servers).
	Inactive Millis `json:"inactive_ms"`
}

// Millis is a duration that marshals to JSON as whole milliseconds.
type Millis time.Duration

// MarshalJSON writes the duration in milliseconds.
func (m Millis) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%d", time.Duration(m).Milliseconds()), nil
}

// Status reports every known function (see package doc), by name.
func (o *Ops) Status(ctx context.Context) ([]FunctionStatus, error) {
	k, err := o.discover(ctx)
	if err != nil {
		return nil, err
	}
	insp := asynq.NewInspectorFromRedisClient(o.rdb)
	queues, err := insp.Queues()
	if err != nil {
		return nil, fmt.Errorf("asynq queues: %w", err)
	}
	hasQueue := make(map[string]bool, len(queues))
	for _, q := range queues {
		hasQueue[q] = true
	}
	out := make([]FunctionStatus, 0, len(k.names))
	for _, name := range k.names {
		fs := FunctionStatus{Name: name, Streams: []StreamStatus{}}
		var streams []string
		if fi, ok := k.registered[name]; ok {
			fs.Registered, fs.Registration, streams = true, &fi, fi.Streams
		}
		var lag int64
		lagKnown := true
		for _, s := range streams {
			ss, err := o.streamStatus(ctx, s, name)
			if err != nil {
				return nil, err
			}
			fs.Streams = append(fs.Streams, ss)
			fs.Pending += ss.Pending
			if ss.Lag == nil {
				lagKnown = false
			} else {
				lag += *ss.Lag
			}
		}
		if lagKnown {
			fs.Lag = &lag
		}
		if hasQueue[runtime.RetryQueue(name)] {
			if fs.Retrying, err = retrying(insp, name); err != nil {
				return nil, err
			}
		}
		if fs.Dead, err = o.rdb.XLen(ctx, runtime.DeadLetterStream(name)).Result(); err != nil {
			return nil, fmt.Errorf("XLEN %s: %w", runtime.DeadLetterStream(name), err)
		}
		out = append(out, fs)
	}
	return out, nil
}

// streamStatus reads group's state on stream.
func (o *Ops) streamStatus(ctx context.Context, stream, group string) (StreamStatus, error) {
	ss := StreamStatus{Stream: stream, Consumers: []ConsumerStatus{}}
	n, err := o.rdb.XLen(ctx, stream).Result()
	if err != nil {
		return ss, fmt.Errorf("XLEN %s: %w", stream, err)
	}
	ss.Length = n
	if n == 0 {
		if exists, err := o.rdb.Exists(ctx, stream).Result(); err != nil || exists == 0 {
			return ss, wrapIf(err, "EXISTS "+stream)
		}
	}
	groups, err := o.rdb.XInfoGroups(ctx, stream).Result()
	if err != nil {
		return ss, fmt.Errorf("XINFO GROUPS %s: %w", stream, err)
	}
	for _, g := range groups {
		if g.Name != group {
			continue
		}
		ss.GroupExists, ss.LastDeliveredID, ss.Pending = true, g.LastDeliveredID, g.Pending
		if g.Lag >= 0 {
			lag := g.Lag
			ss.Lag = &lag
		}
	}
	if !ss.GroupExists {
		return ss, nil
	}
	consumers, err := o.rdb.XInfoConsumers(ctx, stream, group).Result()
	if err != nil {
		return ss, fmt.Errorf("XINFO CONSUMERS %s %s: %w", stream, group, err)
	}
	for _, c := range consumers {
		ss.Consumers = append(ss.Consumers, ConsumerStatus{
			Name: c.Name, Pending: c.Pending, Idle: Millis(c.Idle), Inactive: Millis(max(c.Inactive, 0)),
		})
	}
	return ss, nil
}

// retrying counts a function's tasks waiting in its asynq queue, which
// must exist.
func retrying(insp *asynq.Inspector, function string) (int64, error) {
	qi, err := insp.GetQueueInfo(runtime.RetryQueue(function))
	if err != nil {
		return 0, fmt.Errorf("retry queue %s: %w", runtime.RetryQueue(function), err)
	}
	return int64(qi.Scheduled + qi.Retry + qi.Pending + qi.Active), nil
}

// wrapIf wraps a non-nil err with what was being done.
func wrapIf(err error, what string) error {
	if err == nil || errors.Is(err, redis.Nil) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
