package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/stock"
)

// scanKeys returns every key matching pattern: on a Cluster SCAN runs on
// every master (ForEachMaster), each serving only its slots.
func scanKeys(t testing.TB, rdb redis.UniversalClient, pattern string) []string {
	t.Helper()
	var mu sync.Mutex
	var out []string
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, pattern, 500).Iterator()
		for it.Next(ctx) {
			mu.Lock()
			out = append(out, it.Val())
			mu.Unlock()
		}
		return it.Err()
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx(), func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx(), rdb)
	}
	if err != nil {
		t.Fatalf("SCAN %s: %v", pattern, err)
	}
	sort.Strings(out)
	return out
}

// stockBooks checks the stock against its own records, whatever the log
// says: the levels and the reservations share one slot ({shop:stock}) and
// change together in one script, so whatever a failover keeps of that
// slot, every product's level is initialStock minus the units of the
// reservations held ("reserved") and never negative. It returns a line
// for each product that is off and how many reservations are held.
func stockBooks(t testing.TB, rdb redis.UniversalClient, products []string) (off []string, held int) {
	t.Helper()
	levels, err := rdb.HGetAll(ctx(), stock.LevelsKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]int{}
	for _, key := range scanKeys(t, rdb, stock.OrderKey("*")) {
		r, err := rdb.HGetAll(ctx(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if r["state"] != "reserved" {
			continue
		}
		held++
		var units map[string]int
		if err := json.Unmarshal([]byte(r["units"]), &units); err != nil {
			t.Fatalf("%s units %q: %v", key, r["units"], err)
		}
		for p, n := range units {
			used[p] += n
		}
	}
	for _, p := range products {
		have, err := strconv.Atoi(levels[p])
		if err != nil {
			off = append(off, fmt.Sprintf("stock of %s is %q", p, levels[p]))
			continue
		}
		if have < 0 || have != initialStock-used[p] {
			off = append(off, fmt.Sprintf("stock of %s = %d, its reservations hold %d of %d", p, have, used[p], initialStock))
		}
	}
	return off, held
}
