package dashboard

import (
	"fmt"
	"net/http"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops"
)

// overview lists every function with its counts and latest rates.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request, s session.Session) {
	st, err := h.cfg.Ops.Status(r.Context())
	if err != nil {
		h.failOps(w, r, fmt.Errorf("status: %w", err))
		return
	}
	h.page(w, r, s, "overview", h.overviewPage(r.Context(), st))
}

// deadLettersPage is the content of the dead-letter list.
type deadLettersPage struct {
	Function string
	Search   form.Search
	// Oldest lists oldest first; else newest first.
	Oldest      bool
	Total       int64
	DeadLetters []ops.DeadLetter
	// ListURL is this list without paging; NextURL the following page
	// ("" at the end); Base the function's dead-letter path.
	ListURL, NextURL, Base string
	// LiveURL streams new dead letters into the first page of the
	// newest-first list ("" on other pages).
	LiveURL string
}

// deadLetters lists one function's dead letters that match the search,
// a page at a time.
func (h *Handler) deadLetters(w http.ResponseWriter, r *http.Request, s session.Session) {
	fn, q := r.PathValue("function"), r.URL.Query()
	srch := form.SearchFrom(q)
	f, err := srch.Filter()
	if err != nil {
		h.failOps(w, r, err)
		return
	}
	p := deadLettersPage{Function: fn, Search: srch, Oldest: q.Get("order") == "oldest", Base: h.deadLettersPath(fn)}
	in := h.cfg.Ops.Inspector()
	if p.Total, err = in.CountDeadLetters(r.Context(), fn, inspect.DeadLetterFilter{}); err != nil {
		h.failOps(w, r, fmt.Errorf("dead letters of %s: %w", fn, err))
		return
	}
	page, err := in.DeadLetters(r.Context(), fn, inspect.DeadLetterQuery{Filter: f, After: q.Get("after"), Newest: !p.Oldest, Limit: h.cfg.PageSize})
	if err != nil {
		h.failOps(w, r, fmt.Errorf("dead letters of %s: %w", fn, err))
		return
	}
	p.DeadLetters = page.DeadLetters
	v := srch.Values()
	if p.Oldest {
		v.Set("order", "oldest")
	}
	p.ListURL = withQuery(p.Base, v)
	if !p.Oldest && q.Get("after") == "" {
		p.LiveURL = h.deadLettersLiveURL(fn, srch, page.DeadLetters)
	}
	if page.Next != "" {
		v.Set("after", page.Next)
		p.NextURL = withQuery(p.Base, v)
	}
	h.page(w, r, s, "deadletters", p)
}

// deadLetterPage is the content of one dead letter's page.
type deadLetterPage struct {
	Function   string
	DeadLetter ops.DeadLetter
	// Data is the event's data, indented when it is JSON.
	Data    string
	ListURL string
}

// deadLetter shows one dead letter: its fields, error, attempts and
// times.
func (h *Handler) deadLetter(w http.ResponseWriter, r *http.Request, s session.Session) {
	fn, id := r.PathValue("function"), r.PathValue("id")
	found, _, err := h.cfg.Ops.Inspector().DeadLettersByID(r.Context(), fn, []string{id})
	if err != nil {
		h.failOps(w, r, fmt.Errorf("dead letter %s of %s: %w", id, fn, err))
		return
	}
	if len(found) == 0 {
		h.fail(w, r, http.StatusNotFound, fmt.Sprintf("%s has no dead letter %s", fn, id))
		return
	}
	dl := found[0]
	p := deadLetterPage{Function: fn, DeadLetter: dl, Data: indented(dl.Data, dl.RawData), ListURL: h.deadLettersPath(fn)}
	h.page(w, r, s, "deadletter", p)
}

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
