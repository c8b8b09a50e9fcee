package history

import (
	"context"
	"time"
)

// Columns are a function's samples of the window, oldest first, as
// columns a chart can draw: GET /functions/{function}/history.json. T is
// unix seconds; Lag is null where Redis could not tell; In and Out are
// events per second since the previous sample, null for the first sample
// and wherever the counters do not tell (see ratesBetween).
type Columns struct {
	Function string     `json:"function"`
	EveryS   float64    `json:"every_s"`
	WindowS  float64    `json:"window_s"`
	T        []float64  `json:"t"`
	Lag      []*int64   `json:"lag"`
	Pending  []int64    `json:"pending"`
	Dead     []int64    `json:"dead"`
	In       []*float64 `json:"in"`
	Out      []*float64 `json:"out"`
}

// Columns reads function's samples of the window that ends at now.
func (s Store) Columns(ctx context.Context, function string, now time.Time) (Columns, error) {
	samples, err := s.window(ctx, function, now)
	if err != nil {
		return Columns{}, err
	}
	n := len(samples)
	out := Columns{
		Function: function, EveryS: s.cfg.Every.Seconds(), WindowS: s.cfg.Window.Seconds(),
		T: make([]float64, n), Lag: make([]*int64, n), Pending: make([]int64, n),
		Dead: make([]int64, n), In: make([]*float64, n), Out: make([]*float64, n),
	}
	for i, smp := range samples {
		out.T[i] = float64(smp.At.UnixMilli()) / 1000
		if smp.Lag >= 0 {
			lag := smp.Lag
			out.Lag[i] = &lag
		}
		out.Pending[i], out.Dead[i] = max(smp.Pending, 0), max(smp.Dead, 0)
		if i > 0 {
			rt := ratesBetween(samples[i-1], smp)
			out.In[i], out.Out[i] = rt.In, rt.Out
		}
	}
	return out, nil
}
