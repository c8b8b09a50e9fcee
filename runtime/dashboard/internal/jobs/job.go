// Package jobs runs the dashboard's background replays and purges of
// all the dead letters that match a search: a job's record and its
// states (this file), the records in Redis with their ownership and
// resume claims (store.go), and the runs with their heartbeat, throttled
// progress and outcome (runner.go). A job whose run died or was stopped
// can be resumed by any dashboard on the Redis; a run that lost its job
// to a resume stops without writing.
package jobs

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/ops"
)

// Job states as stored. A running job whose heartbeat is older than
// staleAfter is shown as interrupted too (see Job.ShownAt).
const (
	stateRunning     = "running"
	stateDone        = "done"
	stateFailed      = "failed"
	stateInterrupted = "interrupted"
)

// staleAfter is how old a running job's heartbeat may be before the job
// is shown as interrupted (its process died) and may be resumed.
const staleAfter = 10 * time.Second

// Job is one background replay or purge of all the dead letters of a
// function that match a search, as its Redis hash holds it. The counts
// Done and Total are of the current run (a resume starts a new run);
// DoneBefore sums the runs before it, and Replayed, Skipped, Failed and
// Purged sum every run that ended.
type Job struct {
	ID, Action, Function string
	Search               form.Search
	State                string
	Total, Done          int64
	DoneBefore           int64
	Replayed, Skipped    int64
	Failed, Purged       int64
	Failures             []ops.Failure
	Error                string
	Started, Finished    time.Time
	Heartbeat            time.Time
	Resumes              int64
	// Runner is the token of the run that owns the record: only it may
	// write progress (see Store.update).
	Runner string
}

// Shown is a job as a page shows it at one time.
type Shown struct {
	// State is the stored state, or interrupted for a running job whose
	// heartbeat is older than staleAfter.
	State string
	// Running pages refresh themselves; Resumable ones offer Resume.
	Running, Resumable bool
	// Value and Max are the progress bar's (Max > 0 always).
	Value, Max int64
	// Percent is Value of Max, rounded down.
	Percent int64
	// HeartbeatAge is how long ago the run last wrote, for a running job.
	HeartbeatAge string
}

// ShownAt is j as shown at now.
func (j Job) ShownAt(now time.Time) Shown {
	v := Shown{State: j.State}
	age := now.Sub(j.Heartbeat)
	if j.State == stateRunning && age > staleAfter {
		v.State = stateInterrupted
	}
	v.Running = v.State == stateRunning
	v.Resumable = v.State == stateInterrupted || v.State == stateFailed
	if v.Running {
		v.HeartbeatAge = age.Round(100 * time.Millisecond).String()
	}
	v.Max, v.Value = max(j.Total, j.Done, 1), j.Done
	if v.State == stateDone {
		v.Value = v.Max
	}
	v.Percent = v.Value * 100 / v.Max
	return v
}

// newID is a random, unguessable job id.
func newID() string { return rand.Text() }

// ValidID reports whether id looks like one of newID's.
func ValidID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for _, c := range id {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// selection is what j's run applies to: all that match its search,
// and, for a resumed job, that failed before it first started (so a
// dead letter that a replay sent back is not replayed again unasked).
func (j Job) selection() (ops.Selection, error) {
	f, err := j.Search.Filter()
	if err != nil {
		return ops.Selection{}, fmt.Errorf("job %s: %w", j.ID, err)
	}
	if j.Resumes > 0 && (f.Until.IsZero() || j.Started.Before(f.Until)) {
		f.Until = j.Started
	}
	return ops.Selection{All: true, Filter: f}, nil
}
