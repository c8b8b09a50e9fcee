package dashboard

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/ops"
)

// Run samples every function once per Config.SampleEvery, on the
// interval's boundaries, into the history the overview charts, until ctx
// ends; it then returns nil. With sampling disabled (a negative
// SampleEvery) it returns nil at once. A round that fails (Redis down) is
// logged and skipped; Run carries on with the next.
//
// Run it beside the server that serves the Handler, for as long as it
// serves it (the gateway runs it as a runtime.Setup Background task). Any
// number of dashboards on one Redis may run it: the first to claim a
// round samples it, so the history gets one sample per interval.
func (h *Handler) Run(ctx context.Context) error {
	every := h.history.cfg.every
	if every <= 0 {
		return nil
	}
	for {
		round := time.Now().Truncate(every).Add(every)
		t := time.NewTimer(time.Until(round))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		roundCtx, cancel := context.WithTimeout(ctx, every)
		_, err := h.sampleRound(roundCtx, round)
		cancel()
		if err != nil && ctx.Err() == nil {
			h.cfg.Logger.Warn("dashboard history: sampling round skipped", zap.Time("round", round), zap.Error(err))
		}
	}
}

// sampleRound samples every function at round, unless another dashboard
// claimed the round first; it reports whether it wrote the samples.
func (h *Handler) sampleRound(ctx context.Context, round time.Time) (bool, error) {
	won, err := h.history.claim(ctx, round)
	if err != nil || !won {
		return false, err
	}
	samples, err := h.collect(ctx, round)
	if err != nil {
		return false, err
	}
	if err := h.history.append(ctx, round, samples); err != nil {
		return false, err
	}
	return true, nil
}

// collect reads every function's status and its streams' counters.
func (h *Handler) collect(ctx context.Context, at time.Time) ([]named, error) {
	st, err := h.cfg.Ops.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	pipe := h.history.rdb.Pipeline()
	probes := make([][]streamProbe, len(st))
	for i, fs := range st {
		for _, ss := range fs.Streams {
			probes[i] = append(probes[i], streamProbe{info: pipe.XInfoStream(ctx, ss.Stream), groups: pipe.XInfoGroups(ctx, ss.Stream)})
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !isNoSuchKey(err) {
		return nil, fmt.Errorf("stream counters: %w", err)
	}
	out := make([]named, 0, len(st))
	for i, fs := range st {
		s, err := counted(fs, probes[i])
		if err != nil {
			return nil, fmt.Errorf("counters of %s: %w", fs.Name, err)
		}
		s.At = at
		out = append(out, named{function: fs.Name, sample: s})
	}
	return out, nil
}

// streamProbe is the XINFO of one of a function's streams.
type streamProbe struct {
	info   *redis.XInfoStreamCmd
	groups *redis.XInfoGroupsCmd
}

// counted is fs's sample: its status with the counters summed over its
// streams. A stream that does not exist counts nothing.
func counted(fs ops.FunctionStatus, probes []streamProbe) (sample, error) {
	s := sample{Lag: unknown, Pending: fs.Pending, Dead: fs.Dead}
	if fs.Lag != nil {
		s.Lag = *fs.Lag
	}
	streams, groups, settledKnown := int64(0), int64(0), true
	for _, p := range probes {
		info, err := p.info.Result()
		if isNoSuchKey(err) {
			continue
		}
		if err != nil {
			return s, err
		}
		gs, err := p.groups.Result()
		if err != nil && !isNoSuchKey(err) {
			return s, err
		}
		streams++
		s.Added += info.EntriesAdded
		for _, g := range gs {
			if g.Name != fs.Name {
				continue
			}
			groups++
			// Redis leaves entries-read (and so lag) unknown after some
			// deletions; the group's lag tells whether it can.
			if g.Lag < 0 {
				settledKnown = false
			}
			s.Settled += max(g.EntriesRead-g.Pending, 0)
		}
	}
	if !settledKnown {
		s.Settled = unknown
	}
	s.Shape = streams*1000 + groups
	return s, nil
}

// isNoSuchKey reports whether err is XINFO's answer for a missing stream.
func isNoSuchKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such key")
}
