// Package engine is the runtime's engine: a registered function at work
// in this process (Worker), with its intake, pool, runner and settling,
// its committer (engine/commit), retry tasks (engine/retry) and
// background duties (engine/duty). It knows the runtime's public types
// (Message, the handler chain, errors, metrics) only through Host, and is
// configured by Spec and Config, which the runtime fills from a Function
// and its Config.
package engine

import (
	"encoding/json"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine/commit"
)

// The fields every event entry carries (the event-log contract; the
// runtime's FieldType, FieldEventID and FieldData).
const (
	FieldType    = "type"
	FieldEventID = "event_id"
	FieldData    = "data"
)

// Entry is the engine's state of one stream entry or retry task on this
// instance: what the runtime's Message shows the handler, and the
// delivery state around it. The runtime allocates it together with its
// Message (Host.NewEntry), so that an entry costs one allocation.
type Entry struct {
	// Owner is the runtime's value the entry belongs to (its Message).
	Owner any

	Stream, ID     string
	Type, EventID  string
	IdempotencyKey string
	Attempt        int
	FirstFailure   time.Time
	// Values holds the entry as read until Host.Decode turns it into
	// Fields and Data.
	Values map[string]any
	Fields map[string]string
	Data   json.RawMessage

	// Lease and Token are the partition lease the entry was read under
	// and its token then (leased functions only): its commit is fenced
	// by them.
	Lease, Token string

	// commit is the storage of the item that settles a stream entry (one
	// per entry, so it needs no allocation of its own).
	commit commitItem
	// run is the delivery state of a stream entry (see pool).
	run runState
}

// commitItem is the settled fate of one invocation (see commit.Item).
type commitItem = commit.Item[Entry]

// runState is where a stream entry stands on this instance.
type runState struct {
	// recovered: the entry was delivered before and not settled (its
	// holder died, stopped or hung), so its run here is isolated and its
	// delivery count bumped first.
	recovered bool
	// started: an attempt began here (a never-started entry's delivery is
	// given back at shutdown).
	started bool
	// parked: the entry's pool slot was given back while its key waits.
	parked bool
	// gated: the entry holds a read lock of the function's gate until it
	// settles.
	gated bool
	// counted is the entry's delivery count as Redis has it: the attempts
	// begun or about to begin. An attempt past it is counted (bumped)
	// before it runs, so attempts survive a crash.
	counted int
}

// Field returns one field of the entry, decoded or not.
func (e *Entry) Field(name string) string {
	if e.Values != nil {
		s, _ := e.Values[name].(string)
		return s
	}
	return e.Fields[name]
}

// newEntry returns a new entry of stream/id at its first attempt,
// allocated by h.
func newEntry(h Host, stream, id string) *Entry {
	e := h.NewEntry()
	e.Stream, e.ID, e.Attempt = stream, id, 1
	return e
}

// setEvent sets the entry's type and event id, and the idempotency key
// they make for function.
func setEvent(e *Entry, function, eventType, eventID string) {
	e.Type, e.EventID = eventType, eventID
	if eventID != "" {
		e.IdempotencyKey = function + ":" + eventID
	}
}

// Peek returns the entry of function's raw stream entry stream/id, read
// only as far as intake needs it (type, event id): the rest is decoded by
// the worker that runs it (Host.Decode), off the reader's path.
func Peek(h Host, function, stream, id string, values map[string]any) *Entry {
	e := newEntry(h, stream, id)
	e.Values = values
	t, _ := values[FieldType].(string)
	ev, _ := values[FieldEventID].(string)
	setEvent(e, function, t, ev)
	return e
}

// retryCopy returns a copy of e for its next attempt, when the handler
// of this one was given up and may still be using e's Message.
func (f *Worker) retryCopy(e *Entry) *Entry {
	c := f.host.NewEntry()
	owner := c.Owner
	*c = *e
	c.Owner = owner
	c.commit = commitItem{}
	c.run.gated = false
	return c
}
