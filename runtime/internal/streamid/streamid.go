// Package streamid is the arithmetic of Redis stream entry ids
// ("<ms>-<seq>"). Package runtime exports it as runtime.StreamID; the
// runtime's internal packages use it from here.
package streamid

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ID is a Redis stream entry id, "<ms>-<seq>".
type ID struct {
	Ms, Seq uint64
}

// Parse parses "<ms>-<seq>" (a bare "<ms>" means seq 0).
func Parse(s string) (ID, error) {
	l, r, hasSeq := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(l, 10, 64)
	if err != nil {
		return ID{}, fmt.Errorf("stream id %q: %w", s, err)
	}
	var seq uint64
	if hasSeq {
		if seq, err = strconv.ParseUint(r, 10, 64); err != nil {
			return ID{}, fmt.Errorf("stream id %q: %w", s, err)
		}
	}
	return ID{Ms: ms, Seq: seq}, nil
}

// Must parses s, reading a malformed id as 0-0 (ids read from Redis are
// well formed).
func Must(s string) ID {
	id, _ := Parse(s)
	return id
}

// String formats the id as Redis does.
func (id ID) String() string {
	return strconv.FormatUint(id.Ms, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// Compare returns -1, 0 or 1 as id is before, equal to or after o.
func (id ID) Compare(o ID) int {
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
func (id ID) Next() ID {
	if id.Seq == math.MaxUint64 {
		return ID{Ms: id.Ms + 1}
	}
	return ID{Ms: id.Ms, Seq: id.Seq + 1}
}

// Time is the wall-clock time of the id's milliseconds part, in UTC.
func (id ID) Time() time.Time {
	return time.UnixMilli(int64(id.Ms)).UTC()
}

// CompareStrings compares two stream ids given as strings; a malformed id
// reads as 0-0.
func CompareStrings(a, b string) int {
	return Must(a).Compare(Must(b))
}
