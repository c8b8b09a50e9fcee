package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/ops"
)

// Timings of a job's run.
const (
	// jobHeartbeatEvery is how often a run writes its heartbeat, besides
	// its progress.
	jobHeartbeatEvery = 2 * time.Second
	// jobProgressEvery and jobProgressInterval throttle the progress
	// writes: one per that many entries, or per that interval.
	jobProgressEvery    = 100
	jobProgressInterval = 500 * time.Millisecond
	// jobFinalWriteTimeout bounds the write of a run's outcome, made
	// after its context may have ended.
	jobFinalWriteTimeout = 5 * time.Second
)

// ErrClosed is a job started or resumed after Runner.Close (the
// dashboard's Handler.Close).
var ErrClosed = errors.New("the dashboard is shutting down: start the job again on a running dashboard")

// Runner runs jobs in goroutines bounded by a context it owns; Close
// cancels it and waits for the runs to record that they were
// interrupted.
type Runner struct {
	store Store
	ops   *ops.Ops
	log   *zap.Logger
	now   func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed and wg.Add against Close
	closed bool
	wg     sync.WaitGroup
}

// NewRunner returns a runner of the jobs in store, acting through o,
// logging to log, on clock now, whose runs last until Close.
func NewRunner(store Store, o *ops.Ops, log *zap.Logger, now func() time.Time) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{store: store, ops: o, log: log, now: now, ctx: ctx, cancel: cancel}
}

// Start records a new job of action ("replay" or "purge") on all of
// function's dead letters that match srch, and runs it in the
// background.
func (r *Runner) Start(ctx context.Context, action, function string, srch form.Search) (Job, error) {
	now := r.now()
	j := Job{ID: newID(), Action: action, Function: function, Search: srch, State: stateRunning, Started: now, Heartbeat: now, Runner: newID()}
	return r.launch(func() (Job, error) { return j, r.store.create(ctx, j) })
}

// Resume hands an interrupted or failed job to a new run in the
// background; one that is done or still running is ErrNotResumable.
func (r *Runner) Resume(ctx context.Context, id string) (Job, error) {
	return r.launch(func() (Job, error) {
		runner, now := newID(), r.now()
		if err := r.store.claim(ctx, id, runner, now, now.Add(-staleAfter)); err != nil {
			return Job{}, err
		}
		return r.store.Get(ctx, id)
	})
}

// Get reads job id (see Store.Get).
func (r *Runner) Get(ctx context.Context, id string) (Job, error) { return r.store.Get(ctx, id) }

// List returns the newest jobs (see Store.List).
func (r *Runner) List(ctx context.Context) ([]Job, error) { return r.store.List(ctx) }

// launch runs record, which makes or claims a job, and then, unless the
// runner is closed, the job's run.
func (r *Runner) launch(record func() (Job, error)) (Job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return Job{}, ErrClosed
	}
	j, err := record()
	if err != nil {
		return j, err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.run(j)
	}()
	return j, nil
}

// Close stops every run and waits until each has recorded that it was
// interrupted (each write bounded by jobFinalWriteTimeout); a job
// started afterwards is ErrClosed.
func (r *Runner) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// run is one run of job j: count, act with throttled progress and a
// heartbeat, record the outcome. A run that lost its job to a resume
// stops and records nothing.
func (r *Runner) run(j Job) {
	ctx, cancel := context.WithCancelCause(r.ctx)
	defer cancel(nil)
	write := func(fields ...any) error {
		err := r.store.update(context.WithoutCancel(ctx), j.ID, j.Runner, append(fields, "heartbeat", ms(r.now()))...)
		if errors.Is(err, errNotOwner) {
			cancel(err)
		}
		return err
	}
	beats := make(chan struct{})
	go func() {
		defer close(beats)
		t := time.NewTicker(jobHeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := write(); err != nil && !errors.Is(err, errNotOwner) {
					r.log.Warn("dashboard job heartbeat", zap.String("job", j.ID), zap.Error(err))
				}
			}
		}
	}()
	out, err := r.act(ctx, j, write)
	cancel(nil)
	<-beats
	r.finish(ctx, j, out, err)
}

// outcome is what a run did, to add to its job's record.
type outcome struct {
	total, done                       int64
	replayed, skipped, failed, purged int64
	failures                          []ops.Failure
}

// act counts and replays or purges j's selection, writing progress.
func (r *Runner) act(ctx context.Context, j Job, write func(...any) error) (outcome, error) {
	var out outcome
	sel, err := j.selection()
	if err != nil {
		return out, err
	}
	in := r.ops.Inspector()
	if out.total, err = in.CountDeadLetters(ctx, j.Function, sel.Filter); err != nil {
		return out, err
	}
	if err := write("total", out.total); err != nil {
		return out, err
	}
	if j.Action == "purge" {
		res, err := r.ops.Purge(ctx, j.Function, sel)
		out.purged, out.done = res.Purged, res.Purged
		return out, err
	}
	var last int
	lastAt := r.now()
	res, err := r.ops.Replay(ctx, j.Function, sel, func(done, _ int) {
		out.done = int64(done)
		if now := r.now(); done-last >= jobProgressEvery || now.Sub(lastAt) >= jobProgressInterval {
			last, lastAt = done, now
			if err := write("done", done, "total", max(out.total, out.done)); err != nil && !errors.Is(err, errNotOwner) {
				r.log.Warn("dashboard job progress", zap.String("job", j.ID), zap.Error(err))
			}
		}
	})
	out.replayed, out.skipped, out.failed = int64(res.Replayed), int64(len(res.Skipped)), int64(len(res.Failed))
	out.failures = res.Failed
	return out, err
}

// finish records a run's outcome: done, failed (with the error), or
// interrupted when the dashboard closed; nothing when the job was taken
// over.
func (r *Runner) finish(ctx context.Context, j Job, out outcome, err error) {
	if errors.Is(context.Cause(ctx), errNotOwner) {
		r.log.Info("dashboard job taken over", zap.String("job", j.ID))
		return
	}
	state, msg := stateDone, ""
	switch {
	case err == nil:
	case r.ctx.Err() != nil:
		state, msg = stateInterrupted, "the dashboard stopped during the run"
	default:
		state, msg = stateFailed, err.Error()
	}
	if state == stateDone {
		// The count at the start is an estimate: dead letters that left
		// meanwhile (an earlier replay settled, a purge) were not there
		// to act on. Done is what there was.
		out.total = out.done
	}
	failures := append(j.Failures, out.failures...)
	failuresJSON, _ := json.Marshal(failures[:min(len(failures), maxJobFailures)])
	wctx, cancel := context.WithTimeout(context.Background(), jobFinalWriteTimeout)
	defer cancel()
	werr := r.store.update(wctx, j.ID, j.Runner,
		"state", state, "err", msg, "finished", ms(r.now()), "heartbeat", ms(r.now()),
		"done", out.done, "total", max(out.total, out.done),
		"replayed", j.Replayed+out.replayed, "skipped", j.Skipped+out.skipped, "failed", j.Failed+out.failed,
		"purged", j.Purged+out.purged, "failures", string(failuresJSON))
	r.log.Info("dashboard job", zap.String("job", j.ID), zap.String("action", j.Action), zap.String("function", j.Function),
		zap.String("state", state), zap.Int64("done", out.done), zap.Int64("total", out.total), zap.Error(err), zap.NamedError("record", werr))
}
