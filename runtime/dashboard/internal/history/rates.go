package history

import (
	"context"
	"strconv"
	"time"
)

// rate is events per second between two samples; nil when the samples
// do not tell (a counter unknown or gone backwards, a stream or group
// created or dropped in between, no time between them).
type rate = *float64

// Rates are a function's throughput between two consecutive samples.
type Rates struct {
	// In is events added to the function's streams per second.
	In rate
	// Out is events its group settled (read and acked) per second.
	Out rate
}

// ratesBetween are the rates from sample a to the later sample b.
func ratesBetween(a, b sample) Rates {
	dt := b.At.Sub(a.At).Seconds()
	if dt <= 0 || a.Shape != b.Shape || a.Shape == unknown {
		return Rates{}
	}
	return Rates{In: perSecond(a.Added, b.Added, dt), Out: perSecond(a.Settled, b.Settled, dt)}
}

// perSecond is (to-from)/dt, or nil when either is unknown or the counter
// went backwards (its stream was recreated): never negative.
func perSecond(from, to int64, dt float64) rate {
	if from < 0 || to < 0 || to < from {
		return nil
	}
	r := float64(to-from) / dt
	return &r
}

// latestRates are the rates between the last two of samples (oldest
// first); none with fewer than two.
func latestRates(samples []sample) Rates {
	if len(samples) < 2 {
		return Rates{}
	}
	return ratesBetween(samples[len(samples)-2], samples[len(samples)-1])
}

// staleAfter is how many intervals old the last sample may be for the
// overview to show its rates: older, no dashboard samples any more, and
// the rates would be those of long ago.
const staleAfter = 3

// LatestRates are the latest rates of each of functions at now: those
// between its last two samples, when the last is at most staleAfter
// intervals old; a function without them is left out.
func (s Store) LatestRates(ctx context.Context, functions []string, now time.Time) (map[string]Rates, error) {
	latest, err := s.latest(ctx, functions)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Rates, len(functions))
	for fn, ss := range latest {
		if len(ss) > 0 && now.Sub(ss[len(ss)-1].At) <= staleAfter*s.cfg.Every {
			out[fn] = latestRates(ss)
		}
	}
	return out, nil
}

// InText is the rate of events in, for the page ("-" when unknown).
func (r Rates) InText() string { return rateText(r.In) }

// OutText is the rate of events out, for the page.
func (r Rates) OutText() string { return rateText(r.Out) }

// rateText is r in events per second with one decimal, "-" when unknown.
func rateText(r rate) string {
	if r == nil {
		return "-"
	}
	return strconv.FormatFloat(*r, 'f', 1, 64)
}
