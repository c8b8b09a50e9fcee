package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// deadLettersLiveCount is how many dead letters one read of the live
// dead-letter stream takes.
const deadLettersLiveCount = 100

// maxShownTracked bounds the dead letters a live dead-letter stream
// watches for leaving (replayed or purged).
const maxShownTracked = 500

// deadLetterRow is one dead letter as a row of the dead-letter list.
type deadLetterRow struct {
	ops.DeadLetter
	// Base is the function's dead-letter path; Prefix the dashboard's.
	Base, Prefix string
	ReadOnly     bool
}

// EntityURL is the page of the dead letter's entity ("" without one).
func (r deadLetterRow) EntityURL() string {
	if r.EntityID == "" || r.Stream == "" {
		return ""
	}
	return entityPathUnder(r.Prefix, r.Stream, r.EntityID)
}

// newDeadLetterRow is the row of dl; the templates call it as dlrow.
func newDeadLetterRow(dl ops.DeadLetter, base, prefix string, readOnly bool) deadLetterRow {
	return deadLetterRow{DeadLetter: dl, Base: base, Prefix: prefix, ReadOnly: readOnly}
}

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

// deadLettersLive streams a function's new dead letters that match the
// list's search (type, error, since, until), each with its row and the
// new total, from now on or after the dead-letter id in Last-Event-ID;
// and the total when it changes, with the ids (given as shown=…, or
// sent since) that left the stream.
func (h *Handler) deadLettersLive(ctx context.Context, sse *sseWriter, r *http.Request, s session.Session) error {
	fn, q := r.PathValue("function"), r.URL.Query()
	f, err := form.SearchFrom(q).Filter()
	if err != nil {
		return err
	}
	in := h.cfg.Ops.Inspector()
	if _, err := in.Function(ctx, fn); err != nil {
		return fmt.Errorf("dead letters of %s: %w", fn, err)
	}
	pos, err := in.Stream(ctx, runtime.DeadLetterStream(fn))
	if err != nil {
		return fmt.Errorf("dead letters of %s: %w", fn, err)
	}
	after := cmp.Or(pos.LastID, "0-0")
	if id := cmp.Or(r.Header.Get("Last-Event-ID"), q.Get("after")); validID(id) {
		after = id
	}
	shown := map[string]bool{}
	for _, id := range q["shown"] {
		if validID(id) && len(shown) < maxShownTracked {
			shown[id] = true
		}
	}
	total, err := in.CountDeadLetters(ctx, fn, runtime.DeadLetterFilter{})
	if err != nil {
		return err
	}
	if err := sse.start(); err != nil {
		return err
	}
	if err := sse.send("ready", after, liveTotal{Total: total}); err != nil {
		return err
	}
	base, readOnly := h.deadLettersPath(fn), s.Role != session.Admin
	sentTotal := total // what the client last heard
	for ctx.Err() == nil {
		dls, err := in.WaitDeadLetters(ctx, fn, after, deadLettersLiveCount, h.cfg.LiveBlock)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		now, err := in.CountDeadLetters(ctx, fn, runtime.DeadLetterFilter{})
		if err != nil {
			return err
		}
		for _, dl := range dls {
			after = dl.ID
			if !f.Match(dl) {
				continue
			}
			html, err := h.renderRow("deadletters", "deadletter-row", newDeadLetterRow(dl, base, h.cfg.Prefix, readOnly))
			if err != nil {
				return err
			}
			if err := sse.send("", dl.ID, liveDeadLetter{ID: dl.ID, HTML: html, Total: now}); err != nil {
				return err
			}
			sentTotal = now
			if len(shown) < maxShownTracked {
				shown[dl.ID] = true
			}
		}
		var gone []string
		if now < total+int64(len(dls)) { // some left: replayed or purged
			if gone, err = h.goneDeadLetters(ctx, fn, shown); err != nil {
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

// deadLettersLiveURL is the live stream of the first page of function's
// dead letters that match srch, newest first: it starts after the
// newest one shown (or at the stream's start when none is), so that a
// dead letter written between the page and the stream is not missed,
// and watches the shown ones for leaving.
func (h *Handler) deadLettersLiveURL(function string, srch form.Search, shown []ops.DeadLetter) string {
	v := srch.Values()
	v.Set("after", "0-0")
	if len(shown) > 0 {
		v.Set("after", shown[0].ID)
	}
	for _, dl := range shown[:min(len(shown), maxShownTracked)] {
		v.Add("shown", dl.ID)
	}
	return withQuery(h.deadLettersPath(function)+"/live", v)
}

// validID reports a complete entry id "<ms>-<seq>".
func validID(id string) bool {
	_, err := runtime.ParseStreamID(id)
	return err == nil && strings.Contains(id, "-")
}

// goneDeadLetters returns the shown dead letters that are no longer in
// the stream, and forgets them.
func (h *Handler) goneDeadLetters(ctx context.Context, fn string, shown map[string]bool) ([]string, error) {
	if len(shown) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(shown))
	for id := range shown {
		ids = append(ids, id)
	}
	_, missing, err := h.cfg.Ops.Inspector().DeadLettersByID(ctx, fn, ids)
	if err != nil {
		return nil, fmt.Errorf("dead letters of %s: %w", fn, err)
	}
	for _, id := range missing {
		delete(shown, id)
	}
	return missing, nil
}
