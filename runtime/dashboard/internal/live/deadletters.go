package live

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops"
)

// deadLettersCount is how many dead letters one read of the live
// dead-letter stream takes.
const deadLettersCount = 100

// MaxShownTracked bounds the dead letters a live dead-letter stream
// watches for leaving (replayed or purged).
const MaxShownTracked = 500

// liveDeadLetter is what the live dead-letter stream sends for each new
// dead letter.
type liveDeadLetter struct {
	ID string `json:"id"`
	// HTML is its row, as the dead-letter list renders it.
	HTML string `json:"html"`
	// Total is the function's dead letters in all, after it.
	Total int64 `json:"total"`
}

// liveTotal is what the live dead-letter stream sends when the total
// changes; Gone are shown dead letters that left (replayed or purged).
type liveTotal struct {
	Total int64    `json:"total"`
	Gone  []string `json:"gone,omitempty"`
}

// DeadLetters is the live stream of one function's dead letters that the
// dead-letter list adds its new rows from.
type DeadLetters struct {
	Ops      *ops.Ops
	Function string
	// Filter is the list's search: only the dead letters it matches are
	// sent.
	Filter inspect.DeadLetterFilter
	// Block bounds one blocking read.
	Block time.Duration
	// Row renders a dead letter's row of the list.
	Row func(ops.DeadLetter) (string, error)
}

// Serve sends the function's new dead letters that match the filter,
// each with its row and the new total, from now on or after the
// dead-letter id resume (see ResumeFrom); and the total when it changes,
// with the ids (of shown, or sent since) that left the stream.
func (d DeadLetters) Serve(ctx context.Context, sse *Writer, resume string, shown []string) error {
	fn, in := d.Function, d.Ops.Inspector()
	if _, err := in.Function(ctx, fn); err != nil {
		return fmt.Errorf("dead letters of %s: %w", fn, err)
	}
	pos, err := in.Stream(ctx, runtime.DeadLetterStream(fn))
	if err != nil {
		return fmt.Errorf("dead letters of %s: %w", fn, err)
	}
	after := cmp.Or(pos.LastID, "0-0")
	if validID(resume) {
		after = resume
	}
	tracked := map[string]bool{}
	for _, id := range shown {
		if validID(id) && len(tracked) < MaxShownTracked {
			tracked[id] = true
		}
	}
	total, err := in.CountDeadLetters(ctx, fn, inspect.DeadLetterFilter{})
	if err != nil {
		return err
	}
	if err := sse.start(); err != nil {
		return err
	}
	if err := sse.send("ready", after, liveTotal{Total: total}); err != nil {
		return err
	}
	sentTotal := total // what the client last heard
	for ctx.Err() == nil {
		dls, err := in.WaitDeadLetters(ctx, fn, after, deadLettersCount, d.Block)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		now, err := in.CountDeadLetters(ctx, fn, inspect.DeadLetterFilter{})
		if err != nil {
			return err
		}
		for _, dl := range dls {
			after = dl.ID
			if !d.Filter.Match(dl) {
				continue
			}
			html, err := d.Row(dl)
			if err != nil {
				return err
			}
			if err := sse.send("", dl.ID, liveDeadLetter{ID: dl.ID, HTML: html, Total: now}); err != nil {
				return err
			}
			sentTotal = now
			if len(tracked) < MaxShownTracked {
				tracked[dl.ID] = true
			}
		}
		var gone []string
		if now < total+int64(len(dls)) { // some left: replayed or purged
			if gone, err = d.gone(ctx, tracked); err != nil {
				return err
			}
		}
		if now != sentTotal || len(gone) > 0 {
			if err := sse.send("total", "", liveTotal{Total: now, Gone: gone}); err != nil {
				return err
			}
		}
		total, sentTotal = now, now
		if err := sse.heartbeat(time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// validID reports a complete entry id "<ms>-<seq>".
func validID(id string) bool {
	_, err := runtime.ParseStreamID(id)
	return err == nil && strings.Contains(id, "-")
}

// gone returns the tracked dead letters that are no longer in the
// stream, and forgets them.
func (d DeadLetters) gone(ctx context.Context, tracked map[string]bool) ([]string, error) {
	if len(tracked) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(tracked))
	for id := range tracked {
		ids = append(ids, id)
	}
	_, missing, err := d.Ops.Inspector().DeadLettersByID(ctx, d.Function, ids)
	if err != nil {
		return nil, fmt.Errorf("dead letters of %s: %w", d.Function, err)
	}
	for _, id := range missing {
		delete(tracked, id)
	}
	return missing, nil
}
