package faults

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// burst sends orders (and payments for some of them) from a few
// concurrent clients, bounded in count and in time. Failed requests are
// recorded and not retried: the test decides what they mean.
type burst struct {
	// Orders is how many orders to send in all.
	Orders int
	// Workers is how many clients send at once.
	Workers int
	// Limit bounds the burst's wall-clock time.
	Limit time.Duration
	// PayEvery makes each client pay one of its earlier orders after every
	// PayEvery orders (0: no payments).
	PayEvery int
	// RetryUnavailable, if set, makes a client answered 503 wait that long
	// and send the same order again (until the burst's time is up), as a
	// client of a shop whose storage is down would: with the order's
	// Idempotency-Key, so that a 503 whose order was written anyway
	// answers that order instead of creating a second one.
	RetryUnavailable time.Duration

	// keys prefixes the Idempotency-Key of every order: order i sends
	// keys + i, its retries too.
	keys string

	// sent counts order requests answered, whatever the answer.
	sent atomic.Int64

	mu       sync.Mutex
	created  []string       // ids of orders answered 201
	paid     []string       // order ids of payments answered 201
	statuses map[int]int    // answers to orders and payments by status (0: transport error)
	failures []answer       // every answer that was not 2xx
	payFails map[string]int // payments refused, by answer
}

// run sends the burst and returns when it is done or its time is up.
func (b *burst) run(a api, c catalogue) {
	b.statuses, b.payFails = map[int]int{}, map[string]int{}
	b.keys = fmt.Sprintf("burst-%d-", time.Now().UnixNano())
	deadline := time.Now().Add(b.Limit)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range b.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []string
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= b.Orders {
					return
				}
				id, ans := b.order(a, c, i)
				for id == "" && b.retries(ans, deadline) {
					id, ans = b.order(a, c, i)
				}
				if id != "" {
					mine = append(mine, id)
				}
				b.sent.Add(1)
				if b.PayEvery > 0 && len(mine) > b.PayEvery && i%b.PayEvery == 0 {
					b.pay(a, mine[len(mine)-b.PayEvery-1])
				}
			}
		}()
	}
	wg.Wait()
}

// order sends order i and returns its id if it was created, and the answer.
func (b *burst) order(a api, c catalogue, i int) (string, answer) {
	ans := a.send(http.MethodPost, "/v1/orders", c.order(i), "Idempotency-Key", b.keys+strconv.Itoa(i))
	var ids []string
	ok := ans.err == nil && ans.status == http.StatusCreated && json.Unmarshal(ans.body, &ids) == nil && len(ids) == 1
	b.mu.Lock()
	defer b.mu.Unlock()
	b.statuses[ans.status]++
	if !ok {
		b.failures = append(b.failures, ans)
		return "", ans
	}
	b.created = append(b.created, ids[0])
	return ids[0], ans
}

// retries reports whether a client should send its order again: the last
// answer was 503 or the connection was refused (the gateway restarts), RetryUnavailable is set and there is time left. It
// waits RetryUnavailable first.
func (b *burst) retries(last answer, deadline time.Time) bool {
	unavailable := last.status == http.StatusServiceUnavailable || errors.Is(last.err, syscall.ECONNREFUSED)
	if b.RetryUnavailable <= 0 || !unavailable || time.Now().Add(b.RetryUnavailable).After(deadline) {
		return false
	}
	time.Sleep(b.RetryUnavailable)
	return true
}

// pay records the payment of an order.
func (b *burst) pay(a api, orderID string) {
	ans := a.send(http.MethodPost, "/v1/billings", map[string]any{"order_id": orderID})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.statuses[ans.status]++
	switch {
	case ans.err == nil && ans.status == http.StatusCreated:
		b.paid = append(b.paid, orderID)
	case ans.status == http.StatusConflict:
		b.payFails["409"]++ // not accepted yet: a legitimate refusal
	case ans.status == http.StatusServiceUnavailable && strings.Contains(string(ans.body), "not in the read model yet"):
		b.payFails["503"]++ // projector behind (down): try again later
	default:
		b.failures = append(b.failures, ans)
	}
}

// ok is the number of commands answered 2xx.
func (b *burst) ok() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.created) + len(b.paid)
}

// startBurst runs b in the background; the returned channel closes when
// it is done.
func startBurst(b *burst, a api, c catalogue) <-chan struct{} {
	done := make(chan struct{})
	go func() { defer close(done); b.run(a, c) }()
	return done
}
