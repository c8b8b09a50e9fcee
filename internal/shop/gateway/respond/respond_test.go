package respond

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestWriteErrorHidesRedis: every way Redis can be unreachable (a Cluster
// between two states too) answers 503
// with the same generic body; other errors 500; no detail is shown.
func TestWriteErrorHidesRedis(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"dial refused", fmt.Errorf("HGET x: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), 503},
		{"eof mid-command", fmt.Errorf("publish 1 events: %w", io.EOF), 503},
		{"unexpected eof", io.ErrUnexpectedEOF, 503},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), 503},
		{"closed client", redis.ErrClosed, 503},
		{"pool timeout", redis.ErrPoolTimeout, 503},
		{"loading", fmt.Errorf("XADD: %w", redisError("LOADING Redis is loading the dataset in memory")), 503},
		{"cluster down", fmt.Errorf("read idempotency key: %w", redisError("CLUSTERDOWN The cluster is down")), 503},
		{"try again", fmt.Errorf("commit: %w", redisError("TRYAGAIN Multiple keys request during rehashing of slot")), 503},
		{"master down", redisError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), 503},
		{"read only", fmt.Errorf("XADD: %w", redisError("READONLY You can't write against a read only replica.")), 503},
		{"moved", fmt.Errorf("stream positions: %w", redisError("MOVED 3689 127.0.0.1:39879")), 503},
		{"ask", redisError("ASK 3689 127.0.0.1:39879"), 503},
		{"other reply", fmt.Errorf("XADD: %w", redisError("ERR wrong number of arguments")), 500},
		{"other", errors.New("redis: nil reply from 127.0.0.1:6379"), 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tc.err)
			if rec.Code != tc.want {
				t.Errorf("status = %d, want %d", rec.Code, tc.want)
			}
			body := rec.Body.String()
			if strings.Contains(body, "127.0.0.1") || strings.Contains(strings.ToLower(body), "redis") || strings.Contains(body, "EOF") {
				t.Errorf("body %q shows the error's details", body)
			}
			if rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("content type %q", rec.Header().Get("Content-Type"))
			}
		})
	}
}

// redisError is an error reply as go-redis returns it.
type redisError string

func (e redisError) Error() string { return string(e) }
func (redisError) RedisError()     {}
