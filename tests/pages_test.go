package tests

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// page is one answer of a paged /v1 list.
type page struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

// maxPages bounds a walk through a paged list.
const maxPages = 10_000

// walkPages pages through the /v1 list at path (with ?limit=limit unless
// limit is 0) and returns its items in order and how many pages it read.
// Every page must answer 200 with at most max items, and no cursor may
// come twice.
func walkPages(a api, path string, limit, max int) ([]json.RawMessage, int) {
	a.t.Helper()
	var items []json.RawMessage
	seen := map[string]bool{}
	cursor := ""
	for n := 1; n <= maxPages; n++ {
		q := url.Values{}
		if limit != 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		target := v1 + path
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		var p page
		r := a.expect(http.MethodGet, target, nil, http.StatusOK, &p)
		if len(p.Items) > max {
			a.t.Fatalf("GET %s: %d items on a page, want at most %d", target, len(p.Items), max)
		}
		items = append(items, p.Items...)
		if p.NextCursor == "" {
			var keys map[string]json.RawMessage
			if json.Unmarshal(r.body, &keys) == nil && keys["next_cursor"] != nil {
				a.t.Errorf("GET %s: last page carries next_cursor %s, want it absent", target, keys["next_cursor"])
			}
			return items, n
		}
		if seen[p.NextCursor] {
			a.t.Fatalf("GET %s: next_cursor %q came twice", target, p.NextCursor)
		}
		seen[p.NextCursor] = true
		cursor = p.NextCursor
	}
	a.t.Fatalf("GET %s%s: more than %d pages", v1, path, maxPages)
	return nil, 0
}

// listAll is every item of the /v1 list at path, paged with the maximum
// limit, decoded as T.
func listAll[T any](a api, path string) []T {
	a.t.Helper()
	raw, _ := walkPages(a, path, 1000, 1000)
	out := make([]T, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			a.t.Fatalf("GET %s%s: item %s: %v", v1, path, r, err)
		}
	}
	return out
}

// idsOf is the "id" of every item.
func idsOf(a api, items []json.RawMessage) []string {
	a.t.Helper()
	out := make([]string, len(items))
	for i, r := range items {
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r, &v); err != nil || v.ID == "" {
			a.t.Fatalf("item %s has no id (%v)", r, err)
		}
		out[i] = v.ID
	}
	return out
}
