package runtime

import "github.com/ordershop/functions/runtime/internal/streamid"

// StreamID is a Redis stream entry id, "<ms>-<seq>": the one place the
// runtime, its operator tools and the shop do stream-id arithmetic. Its
// methods: String (as Redis formats it), Compare (-1, 0 or 1), Next (the
// smallest id after it, an exclusive range start) and Time (the wall-clock
// time of its milliseconds part, UTC).
type StreamID = streamid.ID

// ParseStreamID parses "<ms>-<seq>" (a bare "<ms>" means seq 0).
func ParseStreamID(s string) (StreamID, error) { return streamid.Parse(s) }

// CompareIDs compares two stream ids as strings; a malformed id reads
// as 0-0.
func CompareIDs(a, b string) int { return streamid.CompareStrings(a, b) }
