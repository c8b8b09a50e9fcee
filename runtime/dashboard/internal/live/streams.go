// Package live is the dashboard's live updates (Server-Sent Events):
// the bound on the streams open at a time and the serving of one
// (this file), the event writer (writer.go), and the streams themselves,
// each a loop of blocking reads of Redis: the event log (events.go, with
// its resumable position in cursor.go), a function's dead letters
// (deadletters.go) and every function's counts (status.go). The pages'
// rows come in through a function, so that it knows no template.
package live

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Streams counts and bounds the open live streams of a dashboard and
// ends them all on Close.
type Streams struct {
	max  int64
	open atomic.Int64
	// closed ends every stream; Close cancels it.
	closed context.Context
	close  context.CancelFunc
}

// NewStreams bounds the streams to max at a time.
func NewStreams(max int) *Streams {
	ctx, cancel := context.WithCancel(context.Background())
	return &Streams{max: int64(max), closed: ctx, close: cancel}
}

// Open is how many streams are open.
func (l *Streams) Open() int { return int(l.open.Load()) }

// Close ends every stream and refuses new ones.
func (l *Streams) Close() { l.close() }

// acquire takes a slot; false when max are open or l is closed.
func (l *Streams) acquire() bool {
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
func (l *Streams) release() { l.open.Add(-1) }

// Serve serves one live stream in one of l's slots (else 503 with
// Retry-After): stream writes to an event Writer on w, with a context
// that ends when the client goes away or l is closed. An error of
// stream is logged to log and, before the stream started, answered by
// failBefore (an error page), after it by an "error" event.
func (l *Streams) Serve(w http.ResponseWriter, r *http.Request, log *zap.Logger, failBefore func(error), stream func(context.Context, *Writer) error) {
	if !l.acquire() {
		w.Header().Set("Retry-After", "10")
		Refuse(w, http.StatusServiceUnavailable, fmt.Sprintf("too many live streams (at most %d): try again later", l.max))
		return
	}
	defer l.release()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(l.closed, cancel)
	defer stop()
	sse := newWriter(w)
	if err := stream(ctx, sse); err != nil && ctx.Err() == nil {
		log.Error("dashboard live stream", zap.String("path", r.URL.Path), zap.Error(err))
		if !sse.started {
			failBefore(err)
			return
		}
		_ = sse.send("error", "", map[string]string{"error": "the live stream failed (see the dashboard's log)"})
	}
}

// ResumeFrom is where a stream resumes: the Last-Event-ID header an
// EventSource sends when it reconnects, else the page's after= ("" for
// neither).
func ResumeFrom(r *http.Request) string {
	return cmp.Or(r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after"))
}

// waitOrDone waits for d, or returns ctx's error when it ends first.
func waitOrDone(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
