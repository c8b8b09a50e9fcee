// Package ops is the operator's view of the functions running on one
// Redis: the status of every function (consumer groups, lag, pending,
// retrying, dead), the dead-letter queues (list, show, replay, purge) and
// the event log (tail, one entity's history). The ordershop CLI and the
// /admin API (package admin) are thin layers over it, so both answer the
// same way.
//
// Ops is built on inspect.Inspector alone: it reads and acts through it,
// builds no key and never runs handlers. The one exception is
// MigrateToPartitions (migrate.go), which moves a single-stream log into a
// partitioned family under the names of package runtime/partition. What it adds is the operator's
// presentation: summaries with the most frequent error classes, pages of
// dead letters, and event streams named by aggregate. The names of a
// particular event log (its stream prefix, the fields that carry an
// entity id and a time) are Options, filled by the application.
package ops

import (
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/inspect"
)

// ErrNotFound is wrapped by errors about something that does not exist: an
// unknown function, a dead letter or stream that is not there, an entity
// without events. The CLI exits 3 on it, the admin API answers 404. It is
// inspect.ErrNotFound.
var ErrNotFound = inspect.ErrNotFound

// ErrInvalid is wrapped by errors about a request that cannot be right: a
// malformed entry id, a selection with both ids and all, or neither. The
// CLI exits 2 on it, the admin API answers 400. It is inspect.ErrInvalid.
var ErrInvalid = inspect.ErrInvalid

// The Inspector's types, under the names the operator tools use.
type (
	// FunctionStatus is one function at a glance (inspect.FunctionStatus).
	FunctionStatus = inspect.FunctionStatus
	// PartitionStatus is one partition of a partitioned function: owner,
	// epoch, lag and pending (inspect.PartitionStatus).
	PartitionStatus = inspect.PartitionStatus
	// StreamStatus is a function's group on one stream.
	StreamStatus = inspect.StreamStatus
	// ConsumerStatus is one consumer in a group.
	ConsumerStatus = inspect.ConsumerStatus
	// Millis is a duration that marshals to JSON as milliseconds.
	Millis = inspect.Millis
	// DeadLetter is one dead letter (inspect.DeadLetter, the one type).
	DeadLetter = inspect.DeadLetter
	// Selection says which dead letters Replay and Purge apply to.
	Selection = inspect.Selection
	// ReplayResult says what a replay did.
	ReplayResult = inspect.ReplayResult
	// PurgeResult says what a purge deleted.
	PurgeResult = inspect.PurgeResult
	// Failure is an entry an action could not apply to.
	Failure = inspect.Failure
	// Progress is told how many entries of an action are done.
	Progress = inspect.Progress
	// Event is one event-log entry (inspect.Event).
	Event = inspect.Event
)

// MaxSelectedIDs bounds the ids one replay or purge may name; use All for
// more.
const MaxSelectedIDs = inspect.MaxSelectedIDs

// Options name the conventions of the event log the tools look at. The
// zero Options mean: streams are named as given, no entity field, times
// from entry ids, the runtime's registry key.
type Options struct {
	// StreamPrefix starts every event-log stream ("events:"): an
	// aggregate "order" means the stream StreamPrefix+"order".
	StreamPrefix string
	// EntityField is the entry field that names the entity an event is
	// about ("entity_id"): History selects by it, and Event and
	// DeadLetter show it as entity_id.
	EntityField string
	// TimeField is the entry field with an event's time in RFC 3339
	// ("time"), shown as Event.Time.
	TimeField string
	// RegistryKey is where functions register (runtime.DefaultRegistryKey when
	// empty).
	RegistryKey string
	// CausationField is the entry field with the event id of the event
	// that caused an event ("causation_id"): Reactions selects by it.
	// Unset, no event has reactions.
	CausationField string
	// EventIDField is the entry field with an event's own id, which
	// CausationField refers to; "" means runtime.FieldEventID.
	EventIDField string
}

// Ops runs operator queries and actions against one Redis.
// It is safe for concurrent use.
type Ops struct {
	rdb  redis.UniversalClient
	insp *inspect.Inspector
	opts Options
}

// New returns an Ops on rdb with opts. The caller keeps ownership of rdb.
func New(rdb redis.UniversalClient, opts Options) *Ops {
	inspOpts := []inspect.Option{inspect.WithEntityField(opts.EntityField), inspect.WithTimeField(opts.TimeField)}
	if opts.RegistryKey != "" {
		inspOpts = append(inspOpts, inspect.WithRegistryKey(opts.RegistryKey))
	}
	return &Ops{rdb: rdb, insp: inspect.New(rdb, inspOpts...), opts: opts}
}

// Redis returns the client Ops runs on, for a tool built on Ops that
// keeps state of its own beside it (the dashboard's jobs and revoked
// sessions).
func (o *Ops) Redis() redis.UniversalClient { return o.rdb }

// Inspector returns the Inspector that Ops runs on.
func (o *Ops) Inspector() *inspect.Inspector { return o.insp }
