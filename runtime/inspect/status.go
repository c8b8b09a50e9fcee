package inspect

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect/internal/partview"
)

// FunctionStatus is one function at a glance: its groups, what they have
// not read or not acked yet, its retries and its dead letters.
type FunctionStatus struct {
	// Name is the function's name, also its consumer group.
	Name string `json:"name"`
	// Registered is false for a function known only by its dead-letter
	// stream (see KnownFunction).
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
	// Partitions are the function's partitions, partition 0 first, for a
	// function that consumes partitioned families (its registration's
	// Families); absent for one that does not.
	Partitions []PartitionStatus `json:"partitions,omitempty"`
}

// StreamStatus is a function's consumer group on one stream.
type StreamStatus struct {
	Stream string `json:"stream"`
	// Length is the stream's XLEN.
	Length int64 `json:"length"`
	// GroupExists is false until the function has started on the stream.
	GroupExists bool `json:"group_exists"`
	// LastDeliveredID is the group's position: the newest entry it read.
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
type Millis = partview.Millis

// Status reports every known function (see Functions), by name.
func (i *Inspector) Status(ctx context.Context) ([]FunctionStatus, error) {
	fns, err := i.Functions(ctx)
	if err != nil {
		return nil, err
	}
	queues, err := i.retryQueues()
	if err != nil {
		return nil, err
	}
	out := make([]FunctionStatus, 0, len(fns))
	for _, kf := range fns {
		fs, err := i.status(ctx, kf, queues)
		if err != nil {
			return nil, err
		}
		out = append(out, fs)
	}
	return out, nil
}

// FunctionStatus reports one function; an unknown one is ErrNotFound.
func (i *Inspector) FunctionStatus(ctx context.Context, name string) (FunctionStatus, error) {
	kf, err := i.Function(ctx, name)
	if err != nil {
		return FunctionStatus{Name: name, Streams: []StreamStatus{}}, err
	}
	queues, err := i.retryQueues()
	if err != nil {
		return FunctionStatus{Name: name, Streams: []StreamStatus{}}, err
	}
	return i.status(ctx, kf, queues)
}

// retryQueues returns the asynq queues that exist.
func (i *Inspector) retryQueues() (map[string]bool, error) {
	queues, err := i.tasks.Queues()
	if err != nil {
		return nil, fmt.Errorf("asynq queues: %w", err)
	}
	has := make(map[string]bool, len(queues))
	for _, q := range queues {
		has[q] = true
	}
	return has, nil
}

// status reads one function's groups, retries and dead letters.
func (i *Inspector) status(ctx context.Context, kf KnownFunction, queues map[string]bool) (FunctionStatus, error) {
	fs := FunctionStatus{Name: kf.Name, Registered: kf.Registered, Streams: []StreamStatus{}}
	if kf.Registered {
		info := kf.Info
		fs.Registration = &info
	}
	var lag int64
	lagKnown := true
	for _, s := range kf.Info.Streams {
		ss, err := i.Group(ctx, s, kf.Name)
		if err != nil {
			return fs, err
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
	parts, err := i.partitions(ctx, kf.Info, fs.Streams)
	if err != nil {
		return fs, err
	}
	fs.Partitions = parts
	rc, err := i.retries(kf.Name, queues)
	if err != nil {
		return fs, err
	}
	fs.Retrying = rc.Total()
	if fs.Dead, err = i.rdb.XLen(ctx, runtime.DeadLetterStream(kf.Name)).Result(); err != nil {
		return fs, fmt.Errorf("XLEN %s: %w", runtime.DeadLetterStream(kf.Name), err)
	}
	return fs, nil
}

// RetryCounts are the tasks in a function's retry queue
// (runtime.RetryQueue) by their asynq state: retries and replays of failed
// invocations.
type RetryCounts struct {
	// Scheduled tasks wait for their backoff (or a replay for its poll).
	Scheduled int `json:"scheduled"`
	// Retry tasks failed in asynq's own terms (an infrastructure error)
	// and wait to run again.
	Retry int `json:"retry"`
	// Pending tasks are due and wait for a worker; Active ones run.
	Pending int `json:"pending"`
	Active  int `json:"active"`
}

// Total is every task of the queue that has not finished.
func (c RetryCounts) Total() int64 { return int64(c.Scheduled + c.Retry + c.Pending + c.Active) }

// Retries counts function's retry tasks; a function that never retried
// (no queue) has none. An unknown function is ErrNotFound.
func (i *Inspector) Retries(ctx context.Context, function string) (RetryCounts, error) {
	if _, err := i.Function(ctx, function); err != nil {
		return RetryCounts{}, err
	}
	queues, err := i.retryQueues()
	if err != nil {
		return RetryCounts{}, err
	}
	return i.retries(function, queues)
}

// retries reads function's queue, if it is among queues.
func (i *Inspector) retries(function string, queues map[string]bool) (RetryCounts, error) {
	q := runtime.RetryQueue(function)
	if !queues[q] {
		return RetryCounts{}, nil
	}
	qi, err := i.tasks.GetQueueInfo(q)
	if err != nil {
		return RetryCounts{}, fmt.Errorf("retry queue %s: %w", q, err)
	}
	return RetryCounts{Scheduled: qi.Scheduled, Retry: qi.Retry, Pending: qi.Pending, Active: qi.Active}, nil
}

// Group reads group's state on stream: the stream's length, the group's
// position, lag and pending entries, and its consumers. A missing stream
// or group is no error (GroupExists false).
func (i *Inspector) Group(ctx context.Context, stream, group string) (StreamStatus, error) {
	ss := StreamStatus{Stream: stream, Consumers: []ConsumerStatus{}}
	pos, err := i.Stream(ctx, stream)
	if err != nil || !pos.Exists {
		return ss, err
	}
	ss.Length = pos.Length
	groups, err := i.rdb.XInfoGroups(ctx, stream).Result()
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
	consumers, err := i.rdb.XInfoConsumers(ctx, stream, group).Result()
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

// StreamPosition is where a stream stands: its length and the ids of its
// oldest and newest entries ("" when empty or missing).
type StreamPosition struct {
	Stream string `json:"stream"`
	// Exists is false for a key that is not there.
	Exists  bool   `json:"exists"`
	Length  int64  `json:"length"`
	FirstID string `json:"first_id,omitempty"`
	LastID  string `json:"last_id,omitempty"`
}

// Stream returns stream's position; a missing key is no error (Exists
// false).
func (i *Inspector) Stream(ctx context.Context, stream string) (StreamPosition, error) {
	pos := StreamPosition{Stream: stream}
	pipe := i.rdb.Pipeline()
	n := pipe.XLen(ctx, stream)
	first := pipe.XRangeN(ctx, stream, "-", "+", 1)
	last := pipe.XRevRangeN(ctx, stream, "+", "-", 1)
	exists := pipe.Exists(ctx, stream)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return pos, fmt.Errorf("position of %s: %w", stream, err)
	}
	pos.Exists, pos.Length = exists.Val() == 1, n.Val()
	if xs := first.Val(); len(xs) == 1 {
		pos.FirstID = xs[0].ID
	}
	if xs := last.Val(); len(xs) == 1 {
		pos.LastID = xs[0].ID
	}
	return pos, nil
}

// Positions returns the id of the newest entry of each stream ("0-0" for
// an empty or missing one): what a caller waits for with CaughtUp (see
// runtime.Positions).
func (i *Inspector) Positions(ctx context.Context, streams ...string) (map[string]string, error) {
	return runtime.Positions(ctx, i.rdb, streams...)
}

// CaughtUp reports whether function's group has handled every entry of
// each stream up to its position in positions (see runtime.CaughtUp):
// the question "has it processed what was there when I looked?".
func (i *Inspector) CaughtUp(ctx context.Context, function string, positions map[string]string) (bool, error) {
	return runtime.CaughtUp(ctx, i.rdb, function, positions)
}
