package tests

import (
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
