package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// heartbeatEvery is how often a live stream with nothing to say sends a
// comment, so that proxies and the browser keep it open.
const heartbeatEvery = 15 * time.Second

// writeTimeout bounds each write to a live stream (it replaces the
// server's WriteTimeout, which would end the stream).
const writeTimeout = 30 * time.Second

// Writer writes Server-Sent Events, flushing each. Streams.Serve makes
// one for each stream; the streams of this package write to it.
type Writer struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	// started is set once the headers are sent.
	started bool
	// last is when something was last written.
	last time.Time
}

// newWriter writes events to w.
func newWriter(w http.ResponseWriter) *Writer {
	return &Writer{w: w, rc: http.NewResponseController(w)}
}

// Refuse answers a live request that cannot start, in plain text.
func Refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

// start sends the headers and a first comment, so that the client
// knows the stream is open.
func (s *Writer) start() error {
	hd := s.w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
	s.started = true
	return s.write(": open\n\n")
}

// heartbeat sends a comment when nothing was written for heartbeatEvery.
func (s *Writer) heartbeat(now time.Time) error {
	if now.Sub(s.last) < heartbeatEvery {
		return nil
	}
	return s.write(": keep-alive\n\n")
}

// send writes one event: its name ("" for a plain message), its id (""
// for none) and data as one line of JSON.
func (s *Writer) send(event, id string, data any) error {
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
func (s *Writer) write(p string) error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
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
