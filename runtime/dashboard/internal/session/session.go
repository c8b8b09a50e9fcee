// Package session is the dashboard's sessions: the signed session cookie
// and the CSRF token derived from it (this file), the same-origin check
// of a POST (origin.go), the logouts recorded in Redis (revoke.go) and
// the in-memory limit on wrong tokens per client (loginlimit.go). It
// knows nothing of pages or routes.
package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CookieName names the session cookie.
const CookieName = "dashboard_session"

// Role is what a session may do.
type Role string

const (
	// Admin sees every page and may replay and purge.
	Admin Role = "admin"
	// ReadOnly sees every page only.
	ReadOnly Role = "read"
)

// Session is a verified session cookie.
type Session struct {
	Role Role
	// Value is the cookie's value, which the CSRF token is derived from.
	Value string
	// Nonce is the value's random part: what a logout revokes.
	Nonce string
	// Expires is when the session ends by itself.
	Expires time.Time
}

// Signer makes and checks session values:
// "<role>.<expiry unix>.<nonce>.<mac>", where nonce is random (so no two
// sessions share a value, nor a CSRF token) and mac is an HMAC-SHA256 of
// the rest keyed by the role's token. A value shows nothing of the
// token; changing the token ends every session made with it.
type Signer struct {
	keys map[Role][]byte
	// admin and readOnly are the tokens' SHA-256, for Login; readOnly
	// is nil without a read-only token.
	admin, readOnly []byte
	lifetime        time.Duration
	now             func() time.Time
}

// NewSigner derives a key from each token that is set (readOnly may be
// ""); sessions last lifetime on clock now.
func NewSigner(token, readOnly string, lifetime time.Duration, now func() time.Time) Signer {
	a := sha256.Sum256([]byte(token))
	s := Signer{keys: map[Role][]byte{Admin: derive(token, "session key")}, admin: a[:], lifetime: lifetime, now: now}
	if readOnly != "" {
		r := sha256.Sum256([]byte(readOnly))
		s.keys[ReadOnly], s.readOnly = derive(readOnly, "session key"), r[:]
	}
	return s
}

// derive is HMAC-SHA256(token, purpose): a key for one purpose.
func derive(token, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("ordershop dashboard: " + purpose))
	return m.Sum(nil)
}

// Login returns the role of a token given at the login form, comparing
// fixed-size hashes in constant time (so the tokens' lengths stay secret
// too).
func (s Signer) Login(given string) (Role, bool) {
	g := sha256.Sum256([]byte(given))
	isAdmin := subtle.ConstantTimeCompare(g[:], s.admin) == 1
	isRead := s.readOnly != nil && subtle.ConstantTimeCompare(g[:], s.readOnly) == 1
	switch {
	case given == "":
		return "", false
	case isAdmin:
		return Admin, true
	case isRead:
		return ReadOnly, true
	}
	return "", false
}

// Issue returns a new session value for r.
func (s Signer) Issue(r Role) string {
	body := string(r) + "." + strconv.FormatInt(s.now().Add(s.lifetime).Unix(), 10) + "." + rand.Text()
	return body + "." + s.mac(r, body)
}

// mac is the hex HMAC of body under r's key.
func (s Signer) mac(r Role, body string) string {
	m := hmac.New(sha256.New, s.keys[r])
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// Check verifies a session value: a known role, an expiry still ahead,
// a MAC that matches (compared in constant time).
func (s Signer) Check(value string) (Session, bool) {
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return Session{}, false
	}
	body, mac := value[:i], value[i+1:]
	name, rest, ok := strings.Cut(body, ".")
	exp, nonce, _ := strings.Cut(rest, ".")
	r := Role(name)
	if _, known := s.keys[r]; !ok || !known {
		return Session{}, false
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !s.now().Before(time.Unix(until, 0)) {
		return Session{}, false
	}
	if !hmac.Equal([]byte(mac), []byte(s.mac(r, body))) {
		return Session{}, false
	}
	return Session{Role: r, Value: value, Nonce: nonce, Expires: time.Unix(until, 0)}, true
}

// FromRequest is the verified session of r's session cookie; false
// without a cookie or with one that does not Check.
func (s Signer) FromRequest(r *http.Request) (Session, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Session{}, false
	}
	return s.Check(c.Value)
}

// CSRF is the CSRF token of a session: an HMAC of its value under the
// admin key, sent in a hidden field of every form.
func (s Signer) CSRF(sess Session) string {
	m := hmac.New(sha256.New, s.keys[Admin])
	m.Write([]byte("csrf " + sess.Value))
	return hex.EncodeToString(m.Sum(nil))
}

// ValidCSRF reports whether given is sess's CSRF token, in constant time.
func (s Signer) ValidCSRF(sess Session, given string) bool {
	return given != "" && hmac.Equal([]byte(given), []byte(s.CSRF(sess)))
}

// Cookie is the session cookie with value, scoped to path (the
// dashboard's prefix, "/" for none): HttpOnly, SameSite=Strict, Secure
// when secure. A maxAge below 0 deletes it.
func Cookie(value, path string, maxAge int, secure bool) *http.Cookie {
	if path == "" {
		path = "/"
	}
	return &http.Cookie{
		Name: CookieName, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure,
	}
}
