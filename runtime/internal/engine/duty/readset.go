package duty

import (
	"sync"
	"time"
)

// ReadSet is the changing set of streams a leased function's reader reads:
// the partitions this instance owns and has recovered. Remove waits for
// the read in progress, so that once it returns nothing more of the
// removed streams can be delivered here.
type ReadSet struct {
	mu      sync.Mutex
	cond    *sync.Cond
	parts   map[int][]string
	began   uint64 // reads begun
	ended   uint64 // reads ended
	changed chan struct{}
	// readable, when set, filters the partitions at each read (see
	// Owner.Readable).
	readable func(p int) bool
}

// NewReadSet returns an empty read set; readable, when not nil, says
// whether a partition of the set may be read now.
func NewReadSet(readable func(p int) bool) *ReadSet {
	s := &ReadSet{parts: map[int][]string{}, changed: make(chan struct{}), readable: readable}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Add makes partition p's streams part of the reads.
func (s *ReadSet) Add(p int, streams []string) {
	s.mu.Lock()
	s.parts[p] = streams
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Remove takes partition p out of the reads; with wait, it returns once
// the read in progress (which may have included p) has ended.
func (s *ReadSet) Remove(p int, wait bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.parts, p)
	close(s.changed)
	s.changed = make(chan struct{})
	if !wait {
		return
	}
	target := s.began
	for s.ended < target {
		s.cond.Wait()
	}
}

// Begin starts a read: the streams to read now, partition by partition,
// and a channel closed when the set changes (to wait on when it is empty).
// Every Begin is followed by an End.
func (s *ReadSet) Begin() ([]string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.began++
	var out []string
	for p := range maxKey(s.parts) + 1 {
		if streams, ok := s.parts[p]; ok && (s.readable == nil || s.readable(p)) {
			out = append(out, streams...)
		}
	}
	return out, s.changed
}

// End ends the read begun last.
func (s *ReadSet) End() {
	s.mu.Lock()
	s.ended++
	s.cond.Broadcast()
	s.mu.Unlock()
}

// idle waits while the set has nothing to read, up to d or until it
// changes or done closes.
func (s *ReadSet) idle(changed <-chan struct{}, d time.Duration, done <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-changed:
	case <-t.C:
	case <-done:
	}
}

func maxKey(m map[int][]string) int {
	n := -1
	for k := range m {
		n = max(n, k)
	}
	return n
}
