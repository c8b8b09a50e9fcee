package session

import (
	"fmt"
	"testing"
	"time"
)

// The dashboard's limits (dashboard.LoginFailures, LoginWindow,
// LoginClients).
const (
	LoginFailures = 5
	LoginWindow   = time.Minute
	LoginClients  = 4096
)

func TestLoginLimiterRemembersAtMostLoginClients(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	l := NewLoginLimiter(LoginLimits{Failures: LoginFailures, Window: LoginWindow, Clients: LoginClients}, func() time.Time { return now })
	for i := range LoginClients + 100 {
		l.Failed(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		now = now.Add(time.Millisecond)
	}
	if n := len(l.failures); n > LoginClients {
		t.Errorf("%d clients remembered, want at most %d", n, LoginClients)
	}
	if _, ok := l.failures["10.0.0.0"]; ok {
		t.Error("the client whose failure is oldest is still remembered")
	}
	last := fmt.Sprintf("10.0.%d.%d", (LoginClients+99)/256, (LoginClients+99)%256)
	for range LoginFailures - 1 {
		l.Failed(last)
	}
	if _, blocked := l.Blocked(last); !blocked {
		t.Errorf("%s is not blocked after %d failures", last, LoginFailures)
	}
	now = now.Add(LoginWindow)
	if _, blocked := l.Blocked(last); blocked {
		t.Errorf("%s is still blocked a window later", last)
	}
	if n := len(l.failures); n > LoginClients {
		t.Errorf("%d clients remembered, want at most %d", n, LoginClients)
	}
}

func TestClientOfIsTheRemoteHost(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1:5000": "127.0.0.1", "[::1]:80": "::1", "pipe": "pipe"} {
		if got := ClientOf(in); got != want {
			t.Errorf("ClientOf(%q) = %q, want %q", in, got, want)
		}
	}
}
