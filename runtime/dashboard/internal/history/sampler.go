package history

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/ops"
)

// Sampler samples every function once a round into a Store.
type Sampler struct {
	store Store
	ops   *ops.Ops
	log   *zap.Logger
}

// NewSampler samples what o reports into store, logging skipped rounds
// to log.
func NewSampler(store Store, o *ops.Ops, log *zap.Logger) *Sampler {
	return &Sampler{store: store, ops: o, log: log}
}

// Run samples every function once per interval, on the interval's
// boundaries, until ctx ends; it then returns nil. With sampling
// disabled it returns nil at once. A round that fails (Redis down) is
// logged and skipped; Run carries on with the next.
func (s *Sampler) Run(ctx context.Context) error {
	every := s.store.cfg.Every
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
		_, err := s.SampleRound(roundCtx, round)
		cancel()
		if err != nil && ctx.Err() == nil {
			s.log.Warn("dashboard history: sampling round skipped", zap.Time("round", round), zap.Error(err))
		}
	}
}

// SampleRound samples every function at round, unless another
// dashboard claimed the round first; it reports whether it wrote the
// samples.
func (s *Sampler) SampleRound(ctx context.Context, round time.Time) (bool, error) {
	won, err := s.store.claim(ctx, round)
	if err != nil || !won {
		return false, err
	}
	samples, err := s.collect(ctx, round)
	if err != nil {
		return false, err
	}
	if err := s.store.append(ctx, round, samples); err != nil {
		return false, err
	}
	return true, nil
}

// collect reads every function's status and its streams' counters.
func (s *Sampler) collect(ctx context.Context, at time.Time) ([]named, error) {
	st, err := s.ops.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	pipe := s.store.rdb.Pipeline()
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
		smp, err := counted(fs, probes[i])
		if err != nil {
			return nil, fmt.Errorf("counters of %s: %w", fs.Name, err)
		}
		smp.At = at
		out = append(out, named{function: fs.Name, sample: smp})
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
