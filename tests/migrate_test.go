package tests

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/partition"
)

// TestMigrationKeepsTheReadModel moves a log of over 10,000 events written
// the way the shop wrote it before partitions (one stream per aggregate,
// every function's group at its position there) into partitions with
// ops.MigrateAll (what `ordershop partitions migrate --all` runs): the
// read model rebuilt from the migrated log is the read model before, a
// second run copies nothing, and the shop started on it carries on where
// it stopped (a new order is decided and projected, nothing old runs
// again).
func TestMigrationKeepsTheReadModel(t *testing.T) {
	freshRedis(t)
	rdb := kit.Client(t)
	ctx := context.Background()
	s := newShop(t)
	procs := s.StartAll()
	a := api{t: t, base: procs[shopkit.Gateway].URL()}
	customers := a.create(v1+"/customers", manyOf(100, func(i int) any {
		return map[string]any{"name": "C" + strconv.Itoa(i), "email": "c" + strconv.Itoa(i) + "@example.com"}
	}))
	products := a.create(v1+"/products", manyOf(20, func(i int) any { return map[string]any{"name": "P" + strconv.Itoa(i), "price": 1 + i} }))
	a.create(v1+"/inventory", manyOf(len(products), func(i int) any { return map[string]any{"product_id": products[i], "amount": 1_000_000} }))
	for round := 0; logLength(t, rdb) < 10_000; round++ {
		if round == 100 {
			t.Fatalf("the log has %d events after 100 rounds of orders", logLength(t, rdb))
		}
		a.create(v1+"/orders", manyOf(50, func(i int) any {
			return map[string]any{"customer_id": customers[(round*50+i)%len(customers)], "product_ids": []string{products[i%len(products)]}}
		}))
		shopkit.Settle(t, rdb, time.Minute)
	}
	shopkit.Settle(t, rdb, time.Minute)
	before := reportJSON(a)
	events := logLength(t, rdb)
	for name := range procs {
		s.Stop(name, 30*time.Second)
	}

	unpartition(t, rdb)
	reports, skipped, err := ops.MigrateAll(ctx, rdb, model.RegistryKey, ops.MigrateOptions{Key: model.FieldEntityID})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	for _, fam := range skipped {
		if n := rdb.Exists(ctx, fam).Val(); n != 0 {
			t.Fatalf("migrate skipped %s, which has a log", fam)
		}
	}
	copied := int64(0)
	for _, r := range reports {
		for _, n := range r.Copied {
			copied += n
		}
	}
	if copied != events || logLength(t, rdb) != events {
		t.Fatalf("migrated %d entries into a log of %d, want the %d of the old log", copied, logLength(t, rdb), events)
	}
	t.Logf("migrated %d events of %d families", copied, len(reports))
	// The shop was settled: every group stands at the end of every
	// partition, with nothing to run again.
	streams, err := shopkit.Streams(ctx, rdb)
	if err != nil {
		t.Fatal(err)
	}
	caughtUpGroups(t, rdb, streams)
	reports, _, err = ops.MigrateAll(ctx, rdb, model.RegistryKey, ops.MigrateOptions{Key: model.FieldEntityID})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		for p, n := range r.Copied {
			if n != 0 {
				t.Fatalf("a second migration of %s copied %d entries into partition %d", r.Family, n, p)
			}
		}
	}

	s.RunOnce(model.FunctionProjector, "rebuild")
	procs = s.StartAll()
	a = api{t: t, base: procs[shopkit.Gateway].URL()}
	if after := reportJSON(a); !reflect.DeepEqual(after, before) {
		t.Fatalf("read model rebuilt from the migrated log differs from the one before:\nbefore %v\nafter  %v", before, after)
	}
	order := a.create(v1+"/orders", map[string]any{"customer_id": customers[0], "product_ids": []string{products[0]}})[0]
	shopkit.Settle(t, rdb, time.Minute)
	var got map[string]any
	a.get("/order/"+order, &got)
	if got == nil || got["status"] != "accepted" {
		t.Fatalf("a new order on the migrated log: %v, want accepted", got)
	}
	if n := logLength(t, rdb); n > events+20 {
		t.Fatalf("the log grew from %d to %d events for one new order: old events ran again", events, n)
	}
}

// manyOf builds n request bodies.
func manyOf(n int, body func(i int) any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = body(i)
	}
	return out
}

// logLength is the number of events in every partition of the shop's log.
func logLength(t *testing.T, rdb redis.UniversalClient) int64 {
	t.Helper()
	lens, err := shopkit.Lens(context.Background(), rdb)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, l := range lens {
		n += l
	}
	return n
}

// reportJSON is GET /report, decoded.
func reportJSON(a api) any {
	var rep any
	a.get("/report", &rep)
	b, _ := json.Marshal(rep)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// unpartition puts the log back the way the shop wrote it before
// partitions: each family's partitions merged into one stream named like
// the family, every entry under its id, each function's group on it at
// the end of what it had read (the shop was settled), and the partitions
// and their counts deleted.
func unpartition(t *testing.T, rdb redis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	for _, family := range model.Streams() {
		entries, err := shopkit.Entries(ctx, rdb, family)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			continue
		}
		// One stream numbers its entries strictly upwards, and two
		// partitions can have handed out the same id in one millisecond:
		// such an entry takes the next id after the one before it (the
		// order of the merge is kept; per entity it is exact).
		var last runtime.StreamID
		for i, e := range entries {
			id, err := runtime.ParseStreamID(e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 && (id.Ms < last.Ms || id.Ms == last.Ms && id.Seq <= last.Seq) {
				id = runtime.StreamID{Ms: last.Ms, Seq: last.Seq + 1}
			}
			last = id
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: family, ID: id.String(), Values: e.Values}).Err(); err != nil {
				t.Fatalf("XADD %s %s: %v", family, id, err)
			}
		}
		fam, err := partition.Lookup(ctx, rdb, family)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range caughtUpGroups(t, rdb, fam.Streams()) {
			// Settled: every group has read the whole log of the family.
			if err := rdb.XGroupCreate(ctx, family, g, last.String()).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if err := rdb.Del(ctx, append(fam.Streams(), partition.CountKey(family))...).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// caughtUpGroups returns the names of the groups on streams, failing the
// test unless every one has read its stream to the end and has nothing
// pending.
func caughtUpGroups(t *testing.T, rdb redis.UniversalClient, streams []string) []string {
	t.Helper()
	seen := map[string]bool{}
	var names []string
	for _, st := range streams {
		infos, err := rdb.XInfoGroups(context.Background(), st).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range infos {
			if g.Pending != 0 || g.Lag != 0 {
				t.Fatalf("group %s on %s has %d pending, lag %d; want 0 and 0", g.Name, st, g.Pending, g.Lag)
			}
			if !seen[g.Name] {
				seen[g.Name] = true
				names = append(names, g.Name)
			}
		}
	}
	return names
}
