package dashboard

import (
	"net"
	"sync"
	"time"
)

// Login failure limits: a client (the host of its RemoteAddr) that failed
// LoginFailures times within LoginWindow is refused with 429 until the
// oldest of those failures is LoginWindow old.
const (
	// LoginFailures is how many wrong tokens a client may send per
	// LoginWindow.
	LoginFailures = 5
	// LoginWindow is the window LoginFailures are counted in.
	LoginWindow = time.Minute
	// LoginClients caps the clients whose failures are remembered; past
	// it, the one whose last failure is oldest is forgotten.
	LoginClients = 4096
)

// loginLimiter counts failed logins per client in memory: a sliding
// window of at most LoginFailures times per client, for at most
// LoginClients clients. It is per Handler: two dashboards count apart.
type loginLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	// failures are each client's recent failure times, oldest first.
	failures map[string][]time.Time
}

// newLoginLimiter returns an empty limiter on clock now.
func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, failures: map[string][]time.Time{}}
}

// clientOf is the host of a request's RemoteAddr (the address itself
// when it has no port). Forwarding headers are not trusted: behind a
// proxy every client is the proxy.
func clientOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// blocked reports whether client must wait before trying again, and for
// how long.
func (l *loginLimiter) blocked(client string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(client, now)
	if len(recent) < LoginFailures {
		return 0, false
	}
	return recent[0].Add(LoginWindow).Sub(now), true
}

// failed records a wrong token from client.
func (l *loginLimiter) failed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	recent := l.recent(client, now)
	if recent == nil && len(l.failures) >= LoginClients {
		l.evict(now)
	}
	recent = append(recent, now)
	l.failures[client] = recent[max(0, len(recent)-LoginFailures):]
}

// recent drops client's failures older than LoginWindow and returns the
// rest (nil when none is left, and the client is forgotten).
func (l *loginLimiter) recent(client string, now time.Time) []time.Time {
	ts := l.failures[client]
	i := 0
	for i < len(ts) && !now.Before(ts[i].Add(LoginWindow)) {
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
func (l *loginLimiter) evict(now time.Time) {
	var oldest string
	var at time.Time
	for c, ts := range l.failures {
		last := ts[len(ts)-1]
		if !now.Before(last.Add(LoginWindow)) {
			delete(l.failures, c)
			continue
		}
		if oldest == "" || last.Before(at) {
			oldest, at = c, last
		}
	}
	if len(l.failures) >= LoginClients {
		delete(l.failures, oldest)
	}
}
