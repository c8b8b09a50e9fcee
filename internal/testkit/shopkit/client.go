package shopkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RequestTimeout bounds every request of a Client from NewClient: a hang
// is a failure.
const RequestTimeout = 30 * time.Second

// V1 is the prefix of the gateway's REST dialect (201 on create).
const V1 = "/v1"

// defaultHTTP is the HTTP client of NewClient, shared so that its
// connections are reused across tests and by the benchmarks' many clients.
var defaultHTTP = &http.Client{Timeout: RequestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// Client calls the gateway's API as an outside client does. Its methods
// return errors (none fails a test), so that goroutines other than a
// test's, and the benchmarks, can use it.
type Client struct {
	// Base is the gateway's base URL, such as http://127.0.0.1:8080.
	Base string
	// HTTP sends the requests.
	HTTP *http.Client
}

// NewClient returns a client of the gateway at base, every request
// bounded by RequestTimeout.
func NewClient(base string) Client { return Client{Base: base, HTTP: defaultHTTP} }

// Reply is one HTTP answer.
type Reply struct {
	// Status is the HTTP status code.
	Status int
	// Header is the answer's header.
	Header http.Header
	// Body is the whole body.
	Body []byte
	// Elapsed is the time from sending the request to the end of the body.
	Elapsed time.Duration
}

// String shows a reply in failure messages (the body cut at 300 bytes).
func (r Reply) String() string {
	b := string(r.Body)
	if len(b) > 300 {
		b = b[:300] + "…"
	}
	return strconv.Itoa(r.Status) + " " + strings.TrimSpace(b)
}

// Do sends body (none if empty; a JSON Content-Type if not) with headers
// given as name, value pairs, and returns the answer. Elapsed is set even
// when the transport fails.
func (c Client) Do(method, path string, body []byte, header ...string) (Reply, error) {
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		return Reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Reply{Elapsed: time.Since(start)}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	r := Reply{Status: resp.StatusCode, Header: resp.Header, Body: out, Elapsed: time.Since(start)}
	if err != nil {
		return r, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return r, nil
}

// Send is Do with v marshalled as JSON for the body (none if v is nil).
func (c Client) Send(method, path string, v any, header ...string) (Reply, error) {
	var body []byte
	if v != nil {
		raw, err := json.Marshal(v)
		if err != nil {
			return Reply{}, fmt.Errorf("%s %s: marshal: %w", method, path, err)
		}
		body = raw
	}
	return c.Do(method, path, body, header...)
}

// Expect is Send that wants status want and decodes the body into out
// (if not nil); any other answer is an error.
func (c Client) Expect(method, path string, v any, want int, out any, header ...string) (Reply, error) {
	r, err := c.Send(method, path, v, header...)
	if err != nil {
		return r, err
	}
	if r.Status != want {
		return r, fmt.Errorf("%s %s = %s, want %d", method, path, r, want)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			return r, fmt.Errorf("%s %s: decode %s: %w", method, path, r, err)
		}
	}
	return r, nil
}

// Create POSTs v to the REST dialect (V1 + path), which must answer 201,
// and returns the new ids.
func (c Client) Create(path string, v any, header ...string) ([]string, error) {
	var ids []string
	_, err := c.Expect(http.MethodPost, V1+path, v, http.StatusCreated, &ids, header...)
	return ids, err
}

// Get GETs path, which must answer 200, into out.
func (c Client) Get(path string, out any) error {
	_, err := c.Expect(http.MethodGet, path, nil, http.StatusOK, out)
	return err
}
