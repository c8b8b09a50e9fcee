package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// procfileProcesses lists the Procfile's function processes: the lines
// "name: bin/name", in file order.
func procfileProcesses(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read Procfile: %w", err)
	}
	line := regexp.MustCompile(`^([a-z][a-z0-9_-]*):\s*bin/([a-z][a-z0-9_-]*)\s*$`)
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil && m[1] == m[2] {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no function", path)
	}
	return out, sc.Err()
}

// shopClient calls the gateway's API on loopback.
type shopClient struct {
	base string
	http *http.Client
}

func newShopClient(base string) shopClient {
	return shopClient{base: base, http: &http.Client{Timeout: 10 * time.Second}}
}

// create POSTs v to the REST dialect (/v1 + path) and returns the new
// ids; any answer but 201 is an error.
func (c shopClient) create(path string, v any) ([]string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	resp, err := c.http.Post(c.base+"/v1"+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("POST %s = %d %s", path, resp.StatusCode, raw)
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, fmt.Errorf("POST %s: decode %s: %w", path, raw, err)
	}
	return ids, nil
}

// get GETs path into out.
func (c shopClient) get(path string, out any) error {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s = %d %s", path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}

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
func startOrderLoad(c shopClient, customerID, productID string, interval time.Duration, max int, maxFor time.Duration) *orderLoad {
	l := &orderLoad{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		deadline := time.After(maxFor)
		for i := 0; i < max; i++ {
			ids, err := c.create("/orders", map[string]any{"customer_id": customerID, "product_ids": []string{productID}})
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

// waitCaughtUp waits until every consumer group of every events:* stream
// has handled all entries and the streams stopped growing.
func waitCaughtUp(t *testing.T, rdb *redis.Client, timeout time.Duration) {
	t.Helper()
	ctx := t.Context()
	pollUntil(t, timeout, func() (bool, string) {
		pos, err := runtime.Positions(ctx, rdb, model.Streams()...)
		if err != nil {
			return false, err.Error()
		}
		for stream, p := range pos {
			if p == "0-0" {
				continue
			}
			groups, err := rdb.XInfoGroups(ctx, stream).Result()
			if err != nil {
				return false, err.Error()
			}
			for _, g := range groups {
				ok, err := runtime.CaughtUp(ctx, rdb, g.Name, map[string]string{stream: p})
				if err != nil || !ok {
					return false, fmt.Sprintf("%s behind on %s (err %v)", g.Name, stream, err)
				}
			}
		}
		again, err := runtime.Positions(ctx, rdb, model.Streams()...)
		if err != nil {
			return false, err.Error()
		}
		for s, p := range pos {
			if again[s] != p {
				return false, s + " still growing"
			}
		}
		return true, ""
	})
}
