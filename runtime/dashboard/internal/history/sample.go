package history

import (
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// unknown marks a sample's count that Redis could not tell.
const unknown int64 = -1

// sample is one function's state at one time, as kept in its history
// stream. The counters only grow while the function's streams and groups
// stay (entries added to its streams, entries its group read and acked):
// the rates are differences of consecutive samples.
type sample struct {
	At time.Time
	// Lag is the entries not yet delivered to the function's group, summed
	// over its streams; unknown when Redis cannot tell for a stream.
	Lag int64
	// Pending is the entries delivered and not acked.
	Pending int64
	// Added is XINFO STREAM entries-added, summed over the function's
	// streams: every event ever written to them.
	Added int64
	// Settled is XINFO GROUPS entries-read minus pending, summed over the
	// function's streams: the events its group read and acked (handled,
	// or handed to a retry or the dead letters). Unknown when Redis cannot
	// tell entries-read for a group.
	Settled int64
	// Dead is the length of the function's dead-letter stream.
	Dead int64
	// Shape counts the function's streams and its groups on them
	// (streams*1000 + groups): counters of samples of different shapes
	// are not compared (a group created, a stream added or dropped).
	Shape int64
}

// The fields of a sample entry.
const (
	fieldAt      = "t"
	fieldLag     = "lag"
	fieldPending = "pending"
	fieldAdded   = "added"
	fieldSettled = "settled"
	fieldDead    = "dead"
	fieldShape   = "shape"
)

// values are s's fields for XADD.
func (s sample) values() []any {
	return []any{
		fieldAt, s.At.UnixMilli(), fieldLag, s.Lag, fieldPending, s.Pending,
		fieldAdded, s.Added, fieldSettled, s.Settled, fieldDead, s.Dead, fieldShape, s.Shape,
	}
}

// parseSample reads a sample entry; a field that is missing or not a
// number is unknown, a missing time is the entry id's.
func parseSample(x redis.XMessage) sample {
	num := func(field string) int64 {
		v, ok := x.Values[field].(string)
		if !ok {
			return unknown
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return unknown
		}
		return n
	}
	at := num(fieldAt)
	if at < 0 {
		at = idMillis(x.ID)
	}
	return sample{
		At: time.UnixMilli(at), Lag: num(fieldLag), Pending: num(fieldPending), Added: num(fieldAdded),
		Settled: num(fieldSettled), Dead: num(fieldDead), Shape: num(fieldShape),
	}
}

// idMillis is the time part of a stream entry id (0 if it has none).
func idMillis(id string) int64 {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return n
}

// itoa formats n in decimal.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
