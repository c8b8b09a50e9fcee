package admin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/runtime/admin"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

const token = "t0ken-for-tests"

// serve starts the admin API mounted in the real gateway, as in production.
func serve(t *testing.T, tok string) (*httptest.Server, *observer.ObservedLogs) {
	t.Helper()
	rdb := srv.Client(t)
	core, logs := observer.New(zap.DebugLevel)
	gw := gateway.New(gateway.Config{Redis: rdb, Logger: zap.New(core)})
	gw.Mount(admin.Prefix, admin.New(admin.Config{Ops: opstest.Ops(rdb), Token: tok, Logger: zap.New(core)}))
	ts := httptest.NewServer(gw)
	t.Cleanup(ts.Close)
	return ts, logs
}

// call sends a request and returns the status and the decoded JSON body.
func call(t *testing.T, ts *httptest.Server, method, path, auth, body string) (int, map[string]any, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var obj map[string]any
	_ = json.Unmarshal(raw, &obj)
	return resp.StatusCode, obj, raw
}

func TestAuthRules(t *testing.T) {
	ts, logs := serve(t, token)
	off, _ := serve(t, "")
	cases := []struct {
		name   string
		ts     *httptest.Server
		method string
		path   string
		auth   string
		want   int
	}{
		{"no token configured: no admin API", off, "GET", "/admin/functions", "Bearer " + token, 404},
		{"no token configured, no header", off, "POST", "/admin/dlq/x/purge", "", 404},
		{"no header", ts, "GET", "/admin/functions", "", 401},
		{"not a bearer", ts, "GET", "/admin/functions", "Basic " + token, 401},
		{"empty bearer", ts, "GET", "/admin/functions", "Bearer ", 401},
		{"wrong token", ts, "GET", "/admin/functions", "Bearer nope", 403},
		{"token prefix", ts, "GET", "/admin/functions", "Bearer " + token[:5], 403},
		{"wrong token on purge", ts, "POST", "/admin/dlq/x/purge", "Bearer nope", 403},
		{"no header on an unknown path", ts, "GET", "/admin/nothing", "", 401},
		{"right token", ts, "GET", "/admin/functions", "Bearer " + token, 200},
		{"scheme is case-insensitive", ts, "GET", "/admin/dlq", "bearer " + token, 200},
		{"unknown path", ts, "GET", "/admin/nothing", "Bearer " + token, 404},
		{"wrong method", ts, "DELETE", "/admin/functions", "Bearer " + token, 405},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, obj, raw := call(t, c.ts, c.method, c.path, c.auth, "")
			if status != c.want {
				t.Fatalf("status %d, want %d: %s", status, c.want, raw)
			}
			if _, ok := obj["error"]; status >= 400 && !ok {
				t.Fatalf("error answer is not {\"error\": ...}: %s", raw)
			}
		})
	}
	for _, e := range logs.All() {
		if strings.Contains(e.Message+jsonFields(e.ContextMap()), token) {
			t.Fatalf("token logged: %v", e)
		}
	}
}

func TestDeadLettersOverHTTP(t *testing.T) {
	ts, _ := serve(t, token)
	rdb := srv.Client(t)
	fn := opstest.Unique("billing")
	var ids []string
	for range 3 {
		ids = append(ids, opstest.Seed(t, rdb, fn, opstest.DeadLetter{Stream: "events:order", EntryID: "1-1", Type: "order.created",
			EventID: opstest.Unique("ev"), Data: `{"id":"o1"}`, Error: "payment API: 503", Attempts: 5, Failed: time.Now()}))
	}
	auth := "Bearer " + token

	status, _, raw := call(t, ts, "GET", "/admin/dlq/"+fn+"?limit=2", auth, "")
	var page ops.DLQPage
	if err := json.Unmarshal(raw, &page); status != 200 || err != nil || page.Total != 3 || len(page.DeadLetters) != 2 {
		t.Fatalf("GET dlq: %d %s", status, raw)
	}
	status, _, raw = call(t, ts, "GET", "/admin/functions", auth, "")
	var st []ops.FunctionStatus
	if err := json.Unmarshal(raw, &st); status != 200 || err != nil {
		t.Fatalf("GET functions: %d %s", status, raw)
	}

	bad := []struct{ name, path, body string }{
		{"purge without intent", "/purge", ``},
		{"purge with an empty object", "/purge", `{}`},
		{"purge with all false", "/purge", `{"all": false}`},
		{"purge with ids and all", "/purge", `{"ids": ["` + ids[0] + `"], "all": true}`},
		{"purge with an unknown field", "/purge", `{"everything": true}`},
		{"purge with a malformed id", "/purge", `{"ids": ["*"]}`},
		{"replay without intent", "/replay", `{}`},
		{"replay with bad JSON", "/replay", `{"ids": [`},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			status, obj, raw := call(t, ts, "POST", "/admin/dlq/"+fn+c.path, auth, c.body)
			if status != 400 || obj["error"] == nil {
				t.Fatalf("status %d, want 400: %s", status, raw)
			}
		})
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 3 {
		t.Fatalf("rejected requests changed the stream: %d left", n)
	}

	t.Run("body limit", func(t *testing.T) {
		big := `{"ids": ["` + strings.Repeat("1", admin.DefaultMaxBodyBytes) + `"]}`
		if status, _, raw := call(t, ts, "POST", "/admin/dlq/"+fn+"/purge", auth, big); status != 413 {
			t.Fatalf("status %d, want 413: %s", status, raw)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		if status, _, raw := call(t, ts, "POST", "/admin/dlq/nobody/purge", auth, `{"all": true}`); status != 404 {
			t.Fatalf("status %d, want 404: %s", status, raw)
		}
	})
	t.Run("replay by id", func(t *testing.T) {
		status, _, raw := call(t, ts, "POST", "/admin/dlq/"+fn+"/replay", auth, `{"ids": ["`+ids[2]+`"]}`)
		var res ops.ReplayResult
		if err := json.Unmarshal(raw, &res); status != 200 || err != nil || res.Replayed != 1 {
			t.Fatalf("replay: %d %s", status, raw)
		}
		// No function runs here, so the replay never settles: its dead
		// letter stays in the stream until it does (inspect.Replay).
	})
	t.Run("purge by id", func(t *testing.T) {
		status, _, raw := call(t, ts, "POST", "/admin/dlq/"+fn+"/purge", auth, `{"ids": ["`+ids[0]+`", "1-1"]}`)
		var res ops.PurgeResult
		if err := json.Unmarshal(raw, &res); status != 200 || err != nil || res.Purged != 1 || len(res.NotFound) != 1 {
			t.Fatalf("purge: %d %s", status, raw)
		}
	})
	t.Run("purge all", func(t *testing.T) {
		status, _, raw := call(t, ts, "POST", "/admin/dlq/"+fn+"/purge", auth, `{"all": true}`)
		if status != 200 || !bytes.Contains(raw, []byte(`"purged":2`)) || len(opstest.DeadLetters(t, rdb, fn)) != 0 {
			t.Fatalf("purge all: %d %s", status, raw)
		}
	})
}

func TestInternalErrorsAreNotEchoed(t *testing.T) {
	// An admin API whose Redis is gone: the answer says nothing about it.
	dead := opsOnClosedRedis(t)
	h := admin.New(admin.Config{Ops: dead, Token: token})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/admin/functions", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.TrimSpace(rec.Body.String()) != `{"error":"internal error"}` {
		t.Fatalf("answer %d %s", rec.Code, rec.Body.String())
	}
}

func jsonFields(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
