package runtime

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// StreamID is a Redis stream entry id, "<ms>-<seq>": the one place the
// runtime, its operator tools and the shop do stream-id arithmetic.
type StreamID struct {
	Ms, Seq uint64
}

// ParseStreamID parses "<ms>-<seq>" (a bare "<ms>" means seq 0).
func ParseStreamID(s string) (StreamID, error) {
	l, r, hasSeq := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(l, 10, 64)
	if err != nil {
		return StreamID{}, fmt.Errorf("stream id %q: %w", s, err)
	}
	var seq uint64
	if hasSeq {
		if seq, err = strconv.ParseUint(r, 10, 64); err != nil {
			return StreamID{}, fmt.Errorf("stream id %q: %w", s, err)
		}
	}
	return StreamID{Ms: ms, Seq: seq}, nil
}

// mustStreamID parses s, reading a malformed id as 0-0 (ids read from
// Redis are well formed).
func mustStreamID(s string) StreamID {
	id, _ := ParseStreamID(s)
	return id
}

// String formats the id as Redis does.
func (id StreamID) String() string {
	return strconv.FormatUint(id.Ms, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// Compare returns -1, 0 or 1 as id is before, equal to or after o.
func (id StreamID) Compare(o StreamID) int {
	switch {
	case id.Ms < o.Ms:
		return -1
	case id.Ms > o.Ms:
		return 1
	case id.Seq < o.Seq:
		return -1
	case id.Seq > o.Seq:
		return 1
	}
	return 0
}

// Next is the smallest id after id (an exclusive range start).
func (id StreamID) Next() StreamID {
	if id.Seq == math.MaxUint64 {
		return StreamID{Ms: id.Ms + 1}
	}
	return StreamID{Ms: id.Ms, Seq: id.Seq + 1}
}

// Time is the wall-clock time of the id's milliseconds part, in UTC.
func (id StreamID) Time() time.Time {
	return time.UnixMilli(int64(id.Ms)).UTC()
}

// CompareIDs compares two stream ids as strings; a malformed id reads
// as 0-0.
func CompareIDs(a, b string) int {
	return mustStreamID(a).Compare(mustStreamID(b))
}
