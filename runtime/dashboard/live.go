package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/session"
)

// DefaultMaxLiveStreams bounds the live (Server-Sent Events) streams one
// Handler serves at a time when Config sets no MaxLiveStreams. Each holds
// a Redis connection of the Ops' client while it blocks, so it stays
// well below go-redis's default pool (10 per CPU).
const DefaultMaxLiveStreams = 16

// DefaultLiveBlock is how long one blocking read of a live stream waits
// for new entries when Config sets no LiveBlock; it bounds how long a
// stream outlives its client.
const DefaultLiveBlock = 5 * time.Second

// maxLiveBlock caps Config.LiveBlock.
const maxLiveBlock = 5 * time.Second

// liveHeartbeat is how often a live stream with nothing to say sends a
// comment, so that proxies and the browser keep it open.
const liveHeartbeat = 15 * time.Second

// liveWriteTimeout bounds each write to a live stream (it replaces the
// server's WriteTimeout, which would end the stream).
const liveWriteTimeout = 30 * time.Second

// liveStreams counts and bounds the open live streams of a Handler and
// ends them all on close.
type liveStreams struct {
	max  int64
	open atomic.Int64
	// closed ends every stream; close cancels it.
	closed context.Context
	close  context.CancelFunc
}

// newLiveStreams bounds the streams to max.
func newLiveStreams(max int) *liveStreams {
	ctx, cancel := context.WithCancel(context.Background())
	return &liveStreams{max: int64(max), closed: ctx, close: cancel}
}

// acquire takes a slot; false when max are open or the Handler is
// closed.
func (l *liveStreams) acquire() bool {
	if l.closed.Err() != nil {
		return false
	}
	if l.open.Add(1) > l.max {
		l.open.Add(-1)
		return false
	}
	return true
}

// release gives a slot back.
func (l *liveStreams) release() { l.open.Add(-1) }

// LiveStreams is how many live (Server-Sent Events) streams are open.
func (h *Handler) LiveStreams() int { return int(h.live.open.Load()) }

// CloseLive ends every live stream and refuses new ones: call it when
// the server shuts down (http.Server.RegisterOnShutdown), since
// Shutdown waits for open requests and a live stream never ends by
// itself. The pages are served as before.
func (h *Handler) CloseLive() { h.live.close() }

// liveHandler serves one live stream of a verified session.
type liveHandler func(ctx context.Context, sse *sseWriter, r *http.Request, s session.Session) error

// serveLive serves a live stream: a session is required (else 401, so
// that an EventSource stops instead of retrying), one of the Handler's
// stream slots (else 503), and a ResponseWriter that can flush. The
// stream's context ends when the client goes away or CloseLive is
// called.
func (h *Handler) serveLive(next liveHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.sessions.FromRequest(r)
		if !ok {
			liveError(w, http.StatusUnauthorized, "no session: log in first")
			return
		}
		if !h.live.acquire() {
			w.Header().Set("Retry-After", "10")
			liveError(w, http.StatusServiceUnavailable, fmt.Sprintf("too many live streams (at most %d): try again later", h.live.max))
			return
		}
		defer h.live.release()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(h.live.closed, cancel)
		defer stop()
		sse := &sseWriter{w: w, rc: http.NewResponseController(w)}
		if err := next(ctx, sse, r, s); err != nil && ctx.Err() == nil {
			h.cfg.Logger.Error("dashboard live stream", zap.String("path", r.URL.Path), zap.Error(err))
			if !sse.started {
				h.failOps(w, r, err)
				return
			}
			_ = sse.send("error", "", map[string]string{"error": "the live stream failed (see the dashboard's log)"})
		}
	}
}

// liveError answers a live request that cannot start, in plain text.
func liveError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

// sseWriter writes Server-Sent Events, flushing each.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	// started is set once the headers are sent.
	started bool
	// last is when something was last written.
	last time.Time
}

// start sends the headers and a first comment, so that the client
// knows the stream is open.
func (s *sseWriter) start() error {
	hd := s.w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
	s.started = true
	return s.write(": open\n\n")
}

// heartbeat sends a comment when nothing was written for liveHeartbeat.
func (s *sseWriter) heartbeat(now time.Time) error {
	if now.Sub(s.last) < liveHeartbeat {
		return nil
	}
	return s.write(": keep-alive\n\n")
}

// send writes one event: its name ("" for a plain message), its id (""
// for none) and data as one line of JSON.
func (s *sseWriter) send(event, id string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	var sb strings.Builder
	if event != "" {
		sb.WriteString("event: " + event + "\n")
	}
	if id != "" {
		sb.WriteString("id: " + id + "\n")
	}
	sb.WriteString("data: ")
	sb.Write(b)
	sb.WriteString("\n\n")
	return s.write(sb.String())
}

// write writes p with its own deadline and flushes it.
func (s *sseWriter) write(p string) error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("live stream: %w", err)
	}
	if _, err := io.WriteString(s.w, p); err != nil {
		return fmt.Errorf("live stream: %w", err)
	}
	if err := s.rc.Flush(); err != nil {
		return fmt.Errorf("live stream: flush: %w", err)
	}
	s.last = time.Now()
	return nil
}
