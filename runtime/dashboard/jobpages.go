package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/jobs"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
)

// jobView is a job as its page shows it: its record, its state and
// progress now, and its links.
type jobView struct {
	Job jobs.Job
	jobs.Shown
	URL, ResumeURL, ListURL string
}

// jobsPage is the list of recent jobs.
type jobsPage struct {
	Jobs []jobView
}

// viewOf is j as shown now.
func (h *Handler) viewOf(j jobs.Job) jobView {
	return jobView{Job: j, Shown: j.ShownAt(h.cfg.Now()), URL: h.jobPath(j.ID), ResumeURL: h.jobPath(j.ID) + "/resume", ListURL: h.deadLettersPath(j.Function)}
}

// startJob runs a confirmed action on all that match the form's search
// as a background job and redirects to the job's page.
func (h *Handler) startJob(w http.ResponseWriter, r *http.Request, action, fn string, stated form.Selection) {
	if _, err := h.cfg.Ops.Inspector().Function(r.Context(), fn); err != nil {
		h.failOps(w, r, fmt.Errorf("%s %s: %w", action, fn, err))
		return
	}
	j, err := h.jobs.Start(context.WithoutCancel(r.Context()), action, fn, stated.Search)
	if err != nil {
		h.failJob(w, r, fmt.Errorf("start %s of %s: %w", action, fn, err))
		return
	}
	h.cfg.Logger.Info("dashboard job started", zap.String("job", j.ID), zap.String("action", action), zap.String("function", fn))
	http.Redirect(w, r, h.jobPath(j.ID), http.StatusSeeOther)
}

// jobShow shows one job; a running one refreshes itself.
func (h *Handler) jobShow(w http.ResponseWriter, r *http.Request, s session.Session) {
	id := r.PathValue("id")
	if !jobs.ValidID(id) {
		h.fail(w, r, http.StatusNotFound, "no such job")
		return
	}
	j, err := h.jobs.Get(r.Context(), id)
	if err != nil {
		h.failJob(w, r, err)
		return
	}
	h.page(w, r, s, "job", h.viewOf(j))
}

// jobsList lists the recent jobs, newest first.
func (h *Handler) jobsList(w http.ResponseWriter, r *http.Request, s session.Session) {
	list, err := h.jobs.List(r.Context())
	if err != nil {
		h.failJob(w, r, err)
		return
	}
	p := jobsPage{}
	for _, j := range list {
		p.Jobs = append(p.Jobs, h.viewOf(j))
	}
	h.page(w, r, s, "jobs", p)
}

// jobResume starts a new run of an interrupted or failed job and
// redirects to its page. Replaying again is safe: a dead letter that was
// replayed is claimed (inspect.ReplayClaimKey), so the new run skips it.
func (h *Handler) jobResume(w http.ResponseWriter, r *http.Request, _ session.Session) {
	id := r.PathValue("id")
	if !jobs.ValidID(id) {
		h.fail(w, r, http.StatusNotFound, "no such job")
		return
	}
	j, err := h.jobs.Resume(context.WithoutCancel(r.Context()), id)
	if err != nil {
		h.failJob(w, r, fmt.Errorf("resume job %s: %w", id, err))
		return
	}
	h.cfg.Logger.Info("dashboard job resumed", zap.String("job", j.ID), zap.String("action", j.Action), zap.String("function", j.Function), zap.Int64("resumes", j.Resumes))
	http.Redirect(w, r, h.jobPath(j.ID), http.StatusSeeOther)
}

// failJob shows a job error: 409 for a job that cannot be resumed, 503
// while closing, else as failOps.
func (h *Handler) failJob(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, jobs.ErrNotResumable):
		h.fail(w, r, http.StatusConflict, jobs.ErrNotResumable.Error())
	case errors.Is(err, jobs.ErrClosed):
		h.fail(w, r, http.StatusServiceUnavailable, jobs.ErrClosed.Error())
	default:
		h.failOps(w, r, err)
	}
}
