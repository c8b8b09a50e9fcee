package ops

import (
	"context"
	"sort"
	"time"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
)

// DefaultErrorSample is how many of the newest dead letters ListDLQ reads
// per function to rank the most frequent errors.
const DefaultErrorSample = 10000

// topErrors is how many distinct errors a DLQSummary lists.
const topErrors = 3

// DLQSummary is one function's dead-letter stream at a glance.
type DLQSummary struct {
	Function string `json:"function"`
	Stream   string `json:"stream"`
	// Count is the number of dead letters (XLEN).
	Count int64 `json:"count"`
	// Oldest and Newest are the last-failure times of the first and last
	// entries (nil when the stream is empty).
	Oldest *time.Time `json:"oldest,omitempty"`
	Newest *time.Time `json:"newest,omitempty"`
	// TopErrors are the most frequent error classes (ErrorClass) among the
	// Sampled newest entries, most frequent first.
	TopErrors []ErrorCount `json:"top_errors"`
	Sampled   int          `json:"sampled"`
}

// ErrorCount is how often an error class occurs.
type ErrorCount struct {
	Error string `json:"error"`
	Count int    `json:"count"`
}

// ListDLQ summarises the dead-letter stream of every known function, by
// name; functions with no dead letters are included with Count 0. sample
// bounds the entries read per function for TopErrors (<= 0 means
// DefaultErrorSample).
func (o *Ops) ListDLQ(ctx context.Context, sample int) ([]DLQSummary, error) {
	if sample <= 0 {
		sample = DefaultErrorSample
	}
	fns, err := o.insp.Functions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DLQSummary, 0, len(fns))
	for _, fn := range fns {
		s, err := o.summarise(ctx, fn.Name, sample)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// summarise reads one function's dead-letter stream, newest first.
func (o *Ops) summarise(ctx context.Context, function string, sample int) (DLQSummary, error) {
	s := DLQSummary{Function: function, Stream: runtime.DeadLetterStream(function), TopErrors: []ErrorCount{}}
	n, err := o.insp.CountDeadLetters(ctx, function, inspect.DeadLetterFilter{})
	if err != nil {
		return s, err
	}
	if s.Count = n; n == 0 {
		return s, nil
	}
	first, err := o.insp.DeadLetters(ctx, function, inspect.DeadLetterQuery{Limit: 1})
	if err != nil {
		return s, err
	}
	if len(first.DeadLetters) == 1 {
		t := first.DeadLetters[0].FailedAt()
		s.Oldest = &t
	}
	counts := map[string]int{}
	q := inspect.DeadLetterQuery{Newest: true}
	for s.Sampled < sample {
		q.Limit = min(500, sample-s.Sampled)
		page, err := o.insp.DeadLetters(ctx, function, q)
		if err != nil {
			return s, err
		}
		for _, dl := range page.DeadLetters {
			if s.Sampled == 0 {
				t := dl.FailedAt()
				s.Newest = &t
			}
			s.Sampled++
			counts[ErrorClass(dl.Error)]++
		}
		if page.Next == "" || int64(s.Sampled) >= n {
			break
		}
		q.After = page.Next
	}
	for text, c := range counts {
		s.TopErrors = append(s.TopErrors, ErrorCount{Error: text, Count: c})
	}
	sort.Slice(s.TopErrors, func(i, j int) bool {
		a, b := s.TopErrors[i], s.TopErrors[j]
		return a.Count > b.Count || a.Count == b.Count && a.Error < b.Error
	})
	s.TopErrors = s.TopErrors[:min(topErrors, len(s.TopErrors))]
	return s, nil
}
