package session

import (
	"net/http"
	"net/url"
)

// SameOrigin reports whether a request comes from the dashboard's own
// pages: by the browser's Sec-Fetch-Site when it sends one, else by the
// Origin header, when it has one, naming the host it was sent to.
func SameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}
