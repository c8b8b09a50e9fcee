package dashboard

import (
	"context"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// confirmPage asks to confirm a replay or purge, with what it selects.
type confirmPage struct {
	Action, Function string
	// Count is how many dead letters the action applies to now.
	Count     int64
	Selection form.Selection
	// Missing are selected ids that are not dead letters (any more).
	Missing              []string
	ActionURL, CancelURL string
}

// resultPage says what a replay or purge did.
type resultPage struct {
	Action, Function string
	Replay           *ops.ReplayResult
	Purge            *ops.PurgeResult
	ListURL          string
}

// replay replays the selected dead letters once confirmed.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request, s session.Session) {
	h.act(w, r, s, "replay", func(ctx context.Context, fn string, sel ops.Selection, p *resultPage) error {
		res, err := h.cfg.Ops.Replay(ctx, fn, sel, nil)
		p.Replay = &res
		h.cfg.Logger.Info("dashboard replay", zap.String("function", fn), zap.Bool("all", sel.All), zap.Int("ids", len(sel.IDs)),
			zap.Int("replayed", res.Replayed), zap.Int("skipped", len(res.Skipped)), zap.Int("failed", len(res.Failed)), zap.Error(err))
		return err
	})
}

// purge deletes the selected dead letters once confirmed.
func (h *Handler) purge(w http.ResponseWriter, r *http.Request, s session.Session) {
	h.act(w, r, s, "purge", func(ctx context.Context, fn string, sel ops.Selection, p *resultPage) error {
		res, err := h.cfg.Ops.Purge(ctx, fn, sel)
		p.Purge = &res
		h.cfg.Logger.Info("dashboard purge", zap.String("function", fn), zap.Bool("all", sel.All), zap.Int("ids", len(sel.IDs)),
			zap.Int64("purged", res.Purged), zap.Error(err))
		return err
	})
}

// act is one action on the form's selection: without confirm=yes it
// shows how many dead letters it selects and asks to confirm; with it,
// all that match a search run as a background job (startJob), and the
// selected ids run do to the end (a client that goes away does not stop
// it) and show the result.
func (h *Handler) act(w http.ResponseWriter, r *http.Request, s session.Session, action string,
	do func(ctx context.Context, fn string, sel ops.Selection, p *resultPage) error) {
	fn := r.PathValue("function")
	stated, sel, err := form.SelectionFrom(r.PostForm)
	if err != nil {
		h.failOps(w, r, err)
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		h.confirm(w, r, s, action, fn, stated, sel)
		return
	}
	if sel.All {
		h.startJob(w, r, action, fn, stated)
		return
	}
	p := resultPage{Action: action, Function: fn, ListURL: h.deadLettersPath(fn)}
	if err := do(context.WithoutCancel(r.Context()), fn, sel, &p); err != nil {
		h.failOps(w, r, fmt.Errorf("%s %s: %w", action, fn, err))
		return
	}
	h.page(w, r, s, "result", p)
}

// confirm shows the confirmation of an action with its count.
func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, s session.Session, action, fn string, stated form.Selection, sel ops.Selection) {
	p := confirmPage{Action: action, Function: fn, Selection: stated, ActionURL: h.actionPath(fn, action), CancelURL: withQuery(h.deadLettersPath(fn), stated.Search.Values())}
	in := h.cfg.Ops.Inspector()
	if sel.All {
		n, err := in.CountDeadLetters(r.Context(), fn, sel.Filter)
		if err != nil {
			h.failOps(w, r, fmt.Errorf("count dead letters of %s: %w", fn, err))
			return
		}
		p.Count = n
	} else {
		found, missing, err := in.DeadLettersByID(r.Context(), fn, sel.IDs)
		if err != nil {
			h.failOps(w, r, fmt.Errorf("dead letters of %s: %w", fn, err))
			return
		}
		p.Count, p.Missing = int64(len(found)), missing
	}
	h.page(w, r, s, "confirm", p)
}
