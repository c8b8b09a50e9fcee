package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// role is what a session may do.
type role string

const (
	// roleAdmin sees every page and may replay and purge.
	roleAdmin role = "admin"
	// roleReadOnly sees every page only.
	roleReadOnly role = "read"
)

// session is a verified session cookie.
type session struct {
	role role
	// value is the cookie's value, which the CSRF token is derived from.
	value string
	// nonce is the value's random part: what a logout revokes.
	nonce string
	// expires is when the session ends by itself.
	expires time.Time
}

// sessions makes and checks session values:
// "<role>.<expiry unix>.<nonce>.<mac>", where nonce is random (so no two
// sessions share a value, nor a CSRF token) and mac is an HMAC-SHA256 of
// the rest keyed by the role's token. A value shows nothing of the token; changing the token ends
// every session made with it.
type sessions struct {
	keys     map[role][]byte
	lifetime time.Duration
	now      func() time.Time
}

// newSessions derives a key from each token that is set.
func newSessions(token, readOnly string, lifetime time.Duration, now func() time.Time) sessions {
	s := sessions{keys: map[role][]byte{roleAdmin: derive(token, "session key")}, lifetime: lifetime, now: now}
	if readOnly != "" {
		s.keys[roleReadOnly] = derive(readOnly, "session key")
	}
	return s
}

// derive is HMAC-SHA256(token, purpose): a key for one purpose.
func derive(token, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("ordershop dashboard: " + purpose))
	return m.Sum(nil)
}

// login returns the role of a token given at the login form, comparing
// fixed-size hashes in constant time (so the tokens' lengths stay secret
// too).
func (s sessions) login(given, token, readOnly string) (role, bool) {
	g := sha256.Sum256([]byte(given))
	a := sha256.Sum256([]byte(token))
	isAdmin := subtle.ConstantTimeCompare(g[:], a[:]) == 1
	isRead := false
	if readOnly != "" {
		r := sha256.Sum256([]byte(readOnly))
		isRead = subtle.ConstantTimeCompare(g[:], r[:]) == 1
	}
	switch {
	case given == "":
		return "", false
	case isAdmin:
		return roleAdmin, true
	case isRead:
		return roleReadOnly, true
	}
	return "", false
}

// issue returns a new session value for r.
func (s sessions) issue(r role) string {
	body := string(r) + "." + strconv.FormatInt(s.now().Add(s.lifetime).Unix(), 10) + "." + rand.Text()
	return body + "." + s.mac(r, body)
}

// mac is the hex HMAC of body under r's key.
func (s sessions) mac(r role, body string) string {
	m := hmac.New(sha256.New, s.keys[r])
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// check verifies a session value: a known role, an expiry still ahead,
// a MAC that matches (compared in constant time).
func (s sessions) check(value string) (session, bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return session{}, false
	}
	body, mac := value[:i], value[i+1:]
	name, rest, ok := strings.Cut(body, ".")
	exp, nonce, _ := strings.Cut(rest, ".")
	r := role(name)
	if _, known := s.keys[r]; !ok || !known {
		return session{}, false
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !s.now().Before(time.Unix(until, 0)) {
		return session{}, false
	}
	if !hmac.Equal([]byte(mac), []byte(s.mac(r, body))) {
		return session{}, false
	}
	return session{role: r, value: value, nonce: nonce, expires: time.Unix(until, 0)}, true
}

// csrf is the CSRF token of a session: an HMAC of its value under the
// admin key, sent in a hidden field of every form.
func (s sessions) csrf(sess session) string {
	m := hmac.New(sha256.New, s.keys[roleAdmin])
	m.Write([]byte("csrf " + sess.value))
	return hex.EncodeToString(m.Sum(nil))
}

// validCSRF reports whether given is sess's CSRF token, in constant time.
func (s sessions) validCSRF(sess session, given string) bool {
	return given != "" && hmac.Equal([]byte(given), []byte(s.csrf(sess)))
}
