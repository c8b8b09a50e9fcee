package live

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ordershop/functions/runtime/ops"
)

// statusInterval is how often the live status stream reads every
// function's counts.
const statusInterval = 2 * time.Second

// counts are one function's counts as the overview shows them.
type counts struct {
	Name string `json:"name"`
	// Lag is nil when Redis cannot tell (the overview shows "?").
	Lag      *int64 `json:"lag"`
	Pending  int64  `json:"pending"`
	Retrying int64  `json:"retrying"`
	Dead     int64  `json:"dead"`
}

// Status is the live stream of every function's counts (lag, pending,
// retrying, dead) that the overview updates itself from.
type Status struct {
	Ops *ops.Ops
}

// Serve sends every function's counts every statusInterval, when they
// changed, until ctx ends.
func (st Status) Serve(ctx context.Context, sse *Writer) error {
	if err := sse.start(); err != nil {
		return err
	}
	var last []counts
	for {
		fns, err := st.Ops.Status(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		now := make([]counts, 0, len(fns))
		for _, fs := range fns {
			now = append(now, counts{Name: fs.Name, Lag: fs.Lag, Pending: fs.Pending, Retrying: fs.Retrying, Dead: fs.Dead})
		}
		if !slices.EqualFunc(now, last, sameCounts) {
			if err := sse.send("status", "", now); err != nil {
				return err
			}
			last = now
		}
		if err := sse.heartbeat(time.Now()); err != nil {
			return err
		}
		if waitOrDone(ctx, statusInterval) != nil {
			return nil
		}
	}
}

// sameCounts reports whether a and b show the same.
func sameCounts(a, b counts) bool {
	sameLag := (a.Lag == nil) == (b.Lag == nil) && (a.Lag == nil || *a.Lag == *b.Lag)
	return a.Name == b.Name && sameLag && a.Pending == b.Pending && a.Retrying == b.Retrying && a.Dead == b.Dead
}
