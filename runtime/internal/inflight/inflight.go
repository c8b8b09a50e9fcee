// Package inflight tracks the stream entries delivered to one instance and
// not yet settled, for the renewer and the claims of package runtime.
package inflight

import (
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Set tracks every stream entry delivered to this instance and not
// yet settled: read ahead, queued, running, waiting for a retry in place.
// The renewer keeps all of them claimed (so no peer takes them over while
// they are merely waiting), except an invocation that has run past its
// timeout: that one is left to go idle, so that it can be reclaimed.
type Set struct {
	mu sync.Mutex
	m  map[entryKey]*entryState
}

// entryKey names one stream entry.
type entryKey struct{ stream, id string }

// entryState is what the renewer needs to know of a tracked entry.
type entryState struct {
	// until, when set, is when the running invocation's time is up: past
	// it the entry is no longer renewed.
	until time.Time
}

// NewSet returns an empty Set.
func NewSet() Set { return Set{m: map[entryKey]*entryState{}} }

// Add tracks stream/id; false if it already was.
func (s *Set) Add(stream, id string) bool {
	k := entryKey{stream, id}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		return false
	}
	s.m[k] = &entryState{}
	return true
}

// AddNew tracks the entries of msgs not tracked yet and returns them.
func (s *Set) AddNew(stream string, msgs []redis.XMessage) []redis.XMessage {
	out := msgs[:0:0]
	for _, m := range msgs {
		if s.Add(stream, m.ID) {
			out = append(out, m)
		}
	}
	return out
}

// Remove stops tracking stream/id.
func (s *Set) Remove(stream, id string) {
	s.mu.Lock()
	delete(s.m, entryKey{stream, id})
	s.mu.Unlock()
}

// Running marks an invocation of stream/id as running until until (zero:
// not running).
func (s *Set) Running(stream, id string, until time.Time) {
	s.mu.Lock()
	if st, ok := s.m[entryKey{stream, id}]; ok {
		st.until = until
	}
	s.mu.Unlock()
}

// Has reports whether stream/id is tracked.
func (s *Set) Has(stream, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[entryKey{stream, id}]
	return ok
}

// Renewable lists the tracked entries of stream that are to be renewed
// at now: all but invocations past their time.
func (s *Set) Renewable(stream string, now time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for k, st := range s.m {
		if k.stream == stream && (st.until.IsZero() || now.Before(st.until)) {
			ids = append(ids, k.id)
		}
	}
	return ids
}

// CountIn is the number of tracked entries of the given streams.
func (s *Set) CountIn(streams []string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.m {
		for _, st := range streams {
			if k.stream == st {
				n++
				break
			}
		}
	}
	return n
}
