// Package httpserver is the HTTP server of a function process (see
// runtime.Main): /healthz, /readyz, /metrics and the process's own routes.
package httpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// The limits every HTTP server of the project runs with.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Params is what the server serves, and where.
type Params struct {
	Host   string
	Port   int
	Logger *zap.Logger
	// Metrics serves /metrics.
	Metrics http.Handler
	// Ready is /readyz's condition; Reason gives the fixed phrase, safe to
	// show, of a readiness error that has one.
	Ready  func(ctx context.Context) error
	Reason func(err error) (string, bool)
	// Routes, when set, serves every other path.
	Routes http.Handler
}

// Server serves /healthz, /readyz, /metrics and a process's own routes.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// New listens on p.Host:p.Port (port 0 picks a free one).
func New(p Params) (*Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := p.Ready(ctx); err != nil {
			// The cause is logged, never shown: it may name hosts or
			// carry Redis's own words. A NotReadyError's reason is a
			// fixed phrase, safe to show.
			p.Logger.Warn("not ready", zap.Error(err))
			body := map[string]string{"status": "not ready"}
			if reason, ok := p.Reason(err); ok {
				body["reason"] = reason
			}
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", p.Metrics)
	if p.Routes != nil {
		mux.Handle("/", p.Routes)
	}
	addr := net.JoinHostPort(p.Host, strconv.Itoa(p.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	p.Logger.Info("http listening", zap.String("addr", ln.Addr().String()))
	return &Server{
		ln: ln,
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       readTimeout,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          zap.NewStdLog(p.Logger.Named("http")),
		},
	}, nil
}

// Addr is the address the server listens on.
func (h *Server) Addr() net.Addr { return h.ln.Addr() }

// Serve serves until Shutdown; it returns http.ErrServerClosed then.
func (h *Server) Serve() error { return h.srv.Serve(h.ln) }

// Shutdown drains the server's requests, waiting at most timeout.
func (h *Server) Shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return h.srv.Shutdown(ctx)
}

// writeJSON writes v as a JSON response with the status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
