package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// templateFiles are the pages; each is parsed with layout.html.
//
//go:embed templates/*.html
var templateFiles embed.FS

// staticAssets is the stylesheet, vendored: nothing is fetched at run time.
//
//go:embed static
var staticAssets embed.FS

// pageNames are the templates besides the layout.
var pageNames = []string{"login", "overview", "deadletters", "deadletter", "confirm", "result", "error", "job", "jobs", "events", "entity"}

// pages are the parsed templates by name.
type pages map[string]*template.Template

// funcs are the helpers the templates use.
var funcs = template.FuncMap{
	"list":    func(xs ...string) []string { return xs },
	"pathesc": url.PathEscape,
	"dlrow":   newDeadLetterRow,
	"count": func(n *int64) string {
		if n == nil {
			return "?"
		}
		return strconv.FormatInt(*n, 10)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05.000 UTC")
	},
	// consumers counts the function's consumers: each instance is one
	// consumer in the group of every stream of the function, counted once.
	"consumers": func(fs ops.FunctionStatus) int {
		names := map[string]bool{}
		for _, s := range fs.Streams {
			for _, c := range s.Consumers {
				names[c.Name] = true
			}
		}
		return len(names)
	},
}

// parsePages parses every page with the layout.
func parsePages() (pages, error) {
	p := pages{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		p[name] = t
	}
	return p, nil
}

// staticFiles serves the embedded stylesheet.
func staticFiles() http.Handler {
	sub, err := fs.Sub(staticAssets, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return http.FileServerFS(sub)
}

// view is what every page is rendered with.
type view struct {
	Title string
	// Base is the dashboard's path prefix, for links.
	Base string
	// LoggedIn, CSRF and ReadOnly describe the session; CSRF goes in a
	// hidden field of every form.
	LoggedIn bool
	CSRF     string
	ReadOnly bool
	// Message is an error or notice shown at the top.
	Message string
	// Data is the page's own content.
	Data any
}

// page renders an authenticated page with status 200.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, s session.Session, name string, data any) {
	h.render(w, r, http.StatusOK, name, h.sessionView(s, data))
}

// sessionView is a view for session s.
func (h *Handler) sessionView(s session.Session, data any) view {
	return view{LoggedIn: true, CSRF: h.sessions.CSRF(s), ReadOnly: s.Role != session.Admin, Data: data}
}

// render writes template name with v, never cached.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Title, v.Base = h.cfg.Title, h.cfg.Prefix
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		h.cfg.Logger.Error("dashboard template", zap.String("template", name), zap.String("path", r.URL.Path), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows an error page with status and msg.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", view{Message: msg, Data: http.StatusText(status)})
}

// failOps shows an error of the operator API: 404 for ErrNotFound, 400
// for ErrInvalid (with its text), else 500 with the error logged only.
func (h *Handler) failOps(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ops.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, ops.ErrInvalid):
		h.fail(w, r, http.StatusBadRequest, err.Error())
	default:
		h.cfg.Logger.Error("dashboard", zap.String("path", r.URL.Path), zap.Error(err))
		h.fail(w, r, http.StatusInternalServerError, "internal error (see the dashboard's log)")
	}
}

// indented is data indented when it is JSON, else fallback.
func indented(data []byte, fallback string) string {
	var buf bytes.Buffer
	if len(data) == 0 || json.Indent(&buf, data, "", "  ") != nil {
		return fallback
	}
	return buf.String()
}

// renderRow renders one row template of page name.
func (h *Handler) renderRow(page, row string, data any) (string, error) {
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, row, data); err != nil {
		return "", fmt.Errorf("render %s: %w", row, err)
	}
	return buf.String(), nil
}
