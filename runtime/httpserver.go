package runtime

import (
	"context"
	"encoding/json"
	"errors"
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

// httpServer serves /healthz, /readyz, /metrics and a process's own routes.
type httpServer struct {
	srv    *http.Server
	ln     net.Listener
	logger *zap.Logger
}

func newHTTPServer(cfg Config, logger *zap.Logger, m *Metrics, rt *Runtime, s Setup) (*httpServer, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		err := rt.Ready(ctx)
		if err == nil && s.Ready != nil {
			err = s.Ready(ctx)
		}
		if err != nil {
			// The cause is logged, never shown: it may name hosts or
			// carry Redis's own words. A NotReadyError's reason is a
			// fixed phrase, safe to show.
			logger.Warn("not ready", zap.Error(err))
			body := map[string]string{"status": "not ready"}
			var nr *NotReadyError
			if errors.As(err, &nr) {
				body["reason"] = nr.Reason
			}
			writeJSON(w, http.StatusServiceUnavailable, body)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", m.Handler())
	if s.HTTP != nil {
		mux.Handle("/", s.HTTP)
	}
	addr := net.JoinHostPort(cfg.ListenHost, strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	logger.Info("http listening", zap.String("addr", ln.Addr().String()))
	return &httpServer{
		ln:     ln,
		logger: logger,
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       readTimeout,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          zap.NewStdLog(logger.Named("http")),
		},
	}, nil
}

func (h *httpServer) serve() error { return h.srv.Serve(h.ln) }

func (h *httpServer) shutdown(timeout time.Duration) error {
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
