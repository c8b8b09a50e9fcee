package tests

import (
	"net/http"
	"sync"
	"testing"
)

// race sends n requests at once (send(i) for each i, released together)
// and returns their answers in order; a transport error fails t.
func race(t *testing.T, n int, send func(i int) (reply, error)) []reply {
	t.Helper()
	replies := make([]reply, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i], errs[i] = send(i)
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return replies
}

// raceCreate POSTs body to path from n clients at once and returns how
// many were answered 201; every other answer must be 409.
func raceCreate(t *testing.T, a api, n int, path, body string) int {
	t.Helper()
	replies := race(t, n, func(int) (reply, error) { return a.trySend(http.MethodPost, path, body) })
	created := 0
	for i, r := range replies {
		switch {
		case r.code == http.StatusCreated:
			created++
		case r.code != http.StatusConflict:
			t.Errorf("racing POST %s %d = %s, want 201 or 409", path, i, r)
		}
	}
	return created
}
