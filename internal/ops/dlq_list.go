package ops

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ordershop/functions/runtime"
)

// DefaultErrorSample is how many of the newest dead letters ListDLQ reads
// per function to rank the most frequent errors.
const DefaultErrorSample = 10000

// topErrors is how many distinct errors a DLQSummary lists.
const topErrors = 3

// maxErrorText truncates error texts in summaries.
const maxErrorText = 200

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
	k, err := o.discover(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DLQSummary, 0, len(k.names))
	for _, name := range k.names {
		s, err := o.summarise(ctx, name, sample)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// summarise reads one function's dead-letter stream, newest first.
func (o *Ops) summarise(ctx context.Context, function string, sample int) (DLQSummary, error) {
	key := runtime.DeadLetterStream(function)
	s := DLQSummary{Function: function, Stream: key, TopErrors: []ErrorCount{}}
	n, err := o.rdb.XLen(ctx, key).Result()
	if err != nil {
		return s, fmt.Errorf("XLEN %s: %w", key, err)
	}
	if s.Count = n; n == 0 {
		return s, nil
	}
	first, err := o.rdb.XRangeN(ctx, key, "-", "+", 1).Result()
	if err != nil {
		return s, fmt.Errorf("XRANGE %s: %w", key, err)
	}
	if len(first) == 1 {
		t := failedAt(newDeadLetter(first[0]))
		s.Oldest = &t
	}
	counts := map[string]int{}
	end := "+"
	for s.Sampled < sample {
		page, err := o.rdb.XRevRangeN(ctx, key, end, "-", int64(min(500, sample-s.Sampled))).Result()
		if err != nil {
			return s, fmt.Errorf("XREVRANGE %s: %w", key, err)
		}
		for _, x := range page {
			dl := newDeadLetter(x)
			if s.Sampled == 0 {
				t := failedAt(dl)
				s.Newest = &t
			}
			s.Sampled++
			counts[ErrorClass(dl.Error)]++
		}
		if len(page) == 0 || int64(s.Sampled) >= n {
			break
		}
		end = "(" + page[len(page)-1].ID
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

// failedAt is when a dead letter was written: its last failure, or the
// time in its stream id for a malformed entry.
func failedAt(dl DeadLetter) time.Time {
	if !dl.LastFailure.IsZero() {
		return dl.LastFailure
	}
	return idTime(dl.ID)
}

// truncate shortens s to at most n bytes, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
