package deploy

import (
	"sync"
	"time"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// orderLoad places orders through the gateway at a steady pace until it
// is stopped, has placed max orders, or has run for maxFor.
type orderLoad struct {
	mu   sync.Mutex
	ids  []string
	errs []error
	stop chan struct{}
	done chan struct{}
}

// startOrderLoad places one order of productID for customerID every
// interval, in a goroutine.
func startOrderLoad(c shopkit.Client, customerID, productID string, interval time.Duration, max int, maxFor time.Duration) *orderLoad {
	l := &orderLoad{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		deadline := time.After(maxFor)
		for i := 0; i < max; i++ {
			ids, err := c.Create("/orders", map[string]any{"customer_id": customerID, "product_ids": []string{productID}})
			l.mu.Lock()
			if err != nil {
				l.errs = append(l.errs, err)
			} else {
				l.ids = append(l.ids, ids...)
			}
			l.mu.Unlock()
			select {
			case <-l.stop:
				return
			case <-deadline:
				return
			case <-tick.C:
			}
		}
	}()
	return l
}

// placed is how many orders the gateway accepted so far.
func (l *orderLoad) placed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids)
}

// finish stops the load, waits for it and returns the order ids and errors.
func (l *orderLoad) finish() ([]string, []error) {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ids...), append([]error(nil), l.errs...)
}
