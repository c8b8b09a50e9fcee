package session

import (
	"net"
	"sync"
	"time"
)

// LoginLimits bound failed logins: a client (the host of its RemoteAddr)
// that failed Failures times within Window is refused until the oldest
// of those failures is Window old.
type LoginLimits struct {
	// Failures is how many wrong tokens a client may send per Window.
	Failures int
	// Window is the window Failures are counted in.
	Window time.Duration
	// Clients caps the clients whose failures are remembered; past it,
	// the one whose last failure is oldest is forgotten.
	Clients int
}

// LoginLimiter counts failed logins per client in memory: a sliding
// window of at most Failures times per client, for at most Clients
// clients. Each dashboard has its own: two dashboards count apart.
type LoginLimiter struct {
	limits LoginLimits
	now    func() time.Time
	mu     sync.Mutex
	// failures are each client's recent failure times, oldest first.
	failures map[string][]time.Time
}

// NewLoginLimiter returns an empty limiter with limits on clock now.
func NewLoginLimiter(limits LoginLimits, now func() time.Time) *LoginLimiter {
	return &LoginLimiter{limits: limits, now: now, failures: map[string][]time.Time{}}
}

// ClientOf is the host of a request's RemoteAddr (the address itself
// when it has no port). Forwarding headers are not trusted: behind a
// proxy every client is the proxy.
func ClientOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// Blocked reports whether client must wait before trying again, and for
// how long.
func (l *LoginLimiter) Blocked(client string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(client, now)
	if len(recent) < l.limits.Failures {
		return 0, false
	}
	return recent[0].Add(l.limits.Window).Sub(now), true
}

// Failed records a wrong token from client.
func (l *LoginLimiter) Failed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(client, now)
	if recent == nil && len(l.failures) >= l.limits.Clients {
		l.evict(now)
	}
	recent = append(recent, now)
	l.failures[client] = recent[max(0, len(recent)-l.limits.Failures):]
}

// recent drops client's failures older than Window and returns the rest
// (nil when none is left, and the client is forgotten).
func (l *LoginLimiter) recent(client string, now time.Time) []time.Time {
	ts := l.failures[client]
	i := 0
	for i < len(ts) && !now.Before(ts[i].Add(l.limits.Window)) {
		i++
	}
	if i == len(ts) {
		delete(l.failures, client)
		return nil
	}
	return ts[i:]
}

// evict makes room for one client: it forgets every client without a
// recent failure, or else the one whose last failure is oldest.
func (l *LoginLimiter) evict(now time.Time) {
	var oldest string
	var at time.Time
	for c, ts := range l.failures {
		last := ts[len(ts)-1]
		if !now.Before(last.Add(l.limits.Window)) {
			delete(l.failures, c)
			continue
		}
		if oldest == "" || last.Before(at) {
			oldest, at = c, last
		}
	}
	if len(l.failures) >= l.limits.Clients {
		delete(l.failures, oldest)
	}
}
