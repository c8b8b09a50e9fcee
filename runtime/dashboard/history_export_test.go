package dashboard

import (
	"context"
	"time"
)

// SampleAt runs one sampling round at round, as Run does on each
// interval's boundary, and reports whether this Handler claimed and wrote
// it.
func (h *Handler) SampleAt(ctx context.Context, round time.Time) (bool, error) {
	return h.sampler.SampleRound(ctx, round)
}
