package duty

import (
	"sync"
	"time"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// ReadSet is the changing set of streams a leased function's reader reads:
// the partitions this instance owns and has recovered. Remove waits for
// the read in progress, so that once it returns nothing more of the
// removed streams can be delivered here.
type ReadSet struct {
	mu      sync.Mutex
	cond    *sync.Cond
	parts   map[int]rdb.LeasedPart
	began   uint64 // reads begun
	ended   uint64 // reads ended
	changed chan struct{}
}

// NewReadSet returns an empty read set.
func NewReadSet() *ReadSet {
	s := &ReadSet{parts: map[int]rdb.LeasedPart{}, changed: make(chan struct{})}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Add makes a partition part of the reads, under its token.
func (s *ReadSet) Add(part rdb.LeasedPart) {
	s.mu.Lock()
	s.parts[part.P] = part
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

// Token returns the token under which stream's partition is read now, or
// "" when the set does not read it.
func (s *ReadSet) Token(stream string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, part := range s.parts {
		for _, st := range part.Streams {
			if st == stream {
				return part.Token
			}
		}
	}
	return ""
}

// Begin starts a read: the partitions to read now, in partition order,
// and a channel closed when the set changes (to wait on when it is empty).
// Every Begin is followed by an End.
func (s *ReadSet) Begin() ([]rdb.LeasedPart, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.began++
	var out []rdb.LeasedPart
	for p := range maxKey(s.parts) + 1 {
		if part, ok := s.parts[p]; ok {
			out = append(out, part)
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

func maxKey(m map[int]rdb.LeasedPart) int {
	n := -1
	for k := range m {
		n = max(n, k)
	}
	return n
}
