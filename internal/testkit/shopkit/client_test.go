package shopkit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestClient checks the client against a stand-in gateway: Create posts
// JSON to the REST dialect and decodes the ids of a 201, Get decodes a
// 200, any other status is an error that shows the answer, and headers
// and the JSON Content-Type are sent.
func TestClient(t *testing.T) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method == http.MethodPost && r.URL.Path == V1+"/customers":
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Idempotency-Key") != "k1" || !json.Valid(body) {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`["c1"]`))
		case r.Method == http.MethodGet && r.URL.Path == "/customers":
			_, _ = w.Write([]byte(`[{"id":"c1"}]`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"no such route"}`))
		}
	}))
	defer gw.Close()
	c := NewClient(gw.URL)

	ids, err := c.Create("/customers", map[string]any{"name": "Ann"}, "Idempotency-Key", "k1")
	if err != nil || !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("Create = %v, %v; want [c1]", ids, err)
	}
	if _, err := c.Create("/customers", map[string]any{"name": "Ann"}); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("Create without its key = %v, want an error naming the 400", err)
	}
	var got []map[string]string
	if err := c.Get("/customers", &got); err != nil || len(got) != 1 || got[0]["id"] != "c1" {
		t.Errorf("Get = %v, %v", got, err)
	}
	r, err := c.Do(http.MethodGet, "/nope", nil)
	if err != nil || r.Status != http.StatusNotFound || r.String() != `404 {"error":"no such route"}` || r.Elapsed <= 0 {
		t.Errorf("Do /nope = %+v (%q), %v", r, r.String(), err)
	}
	if err := c.Get("/nope", &got); err == nil || !strings.Contains(err.Error(), "no such route") {
		t.Errorf("Get /nope = %v, want an error showing the answer", err)
	}
}

// TestProcessesStartWithTheGateway checks the one list of the shop's
// processes: the gateway first, then every function once.
func TestProcessesStartWithTheGateway(t *testing.T) {
	ps := Processes()
	if len(ps) < 2 || ps[0] != Gateway {
		t.Fatalf("Processes() = %v, want the gateway first", ps)
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p] {
			t.Errorf("Processes() lists %s twice", p)
		}
		seen[p] = true
	}
}
