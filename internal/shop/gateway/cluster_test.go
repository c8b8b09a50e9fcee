package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/handlers/projector"
	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/gateway/idempotency"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
	"github.com/ordershop/functions/runtime/partition"
)

// clusterShop is a gateway on a one-node Redis Cluster with no functions
// running: project applies the log to the read model (a rebuild), as the
// projector would.
type clusterShop struct {
	t     *testing.T
	rdb   *redis.ClusterClient
	g     *gateway.Gateway
	log   *model.Log
	audit *slotaudit.Audit
}

const clusterPartitions = 4

func newClusterShop(t *testing.T) *clusterShop {
	node.FlushAll(t)
	rdb := node.ClusterClient(t)
	s := &clusterShop{t: t, rdb: rdb, log: model.NewLog(rdb, clusterPartitions),
		g: gateway.New(gateway.Config{Redis: rdb, WaitTimeout: 10 * time.Millisecond, Partitions: clusterPartitions})}
	s.audit = slotaudit.Start(t, node, rdb)
	return s
}

// do sends a request (key: its Idempotency-Key, if not empty) and checks
// its status.
func (s *clusterShop) do(method, path, body, key string, want int) *httptest.ResponseRecorder {
	s.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	rec := httptest.NewRecorder()
	s.g.ServeHTTP(rec, req)
	if rec.Code != want {
		s.t.Fatalf("%s %s = %d %s, want %d", method, path, rec.Code, rec.Body, want)
	}
	return rec
}

// ids decodes a created answer.
func (s *clusterShop) ids(rec *httptest.ResponseRecorder) []string {
	s.t.Helper()
	var ids []string
	if err := json.Unmarshal(rec.Body.Bytes(), &ids); err != nil {
		s.t.Fatalf("created answer %s: %v", rec.Body, err)
	}
	return ids
}

// twice sends a keyed command and its repeat: the repeat answers the same,
// replayed.
func (s *clusterShop) twice(method, path, body, key string, want int) *httptest.ResponseRecorder {
	s.t.Helper()
	first := s.do(method, path, body, key, want)
	again := s.do(method, path, body, key, want)
	if again.Body.String() != first.Body.String() || again.Header().Get(idempotency.ReplayedHeader) != "true" {
		s.t.Fatalf("repeat of %s %s = %s (replayed %q), first %s", method, path, again.Body, again.Header().Get(idempotency.ReplayedHeader), first.Body)
	}
	return first
}

// project rebuilds the read model from the log.
func (s *clusterShop) project() {
	s.t.Helper()
	if _, err := readmodel.Rebuild(context.Background(), s.rdb, s.log, projector.New(readmodel.NewWriter(s.rdb)).Apply); err != nil {
		s.t.Fatal(err)
	}
}

// steps is the number of steps of keyed commands done in steps (their
// done markers, eventstore's split commits).
func (s *clusterShop) steps() int {
	s.t.Helper()
	keys, err := s.rdb.Keys(context.Background(), "shop:commit:*").Result()
	if err != nil {
		s.t.Fatal(err)
	}
	return len(keys)
}

// count is the number of events of type typ in the log.
func (s *clusterShop) count(typ string) int {
	s.t.Helper()
	n := 0
	err := eventstore.New(s.rdb, s.log).ScanLog(context.Background(), func(e model.Event) error {
		if e.Type == typ {
			n++
		}
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// TestClusterEveryCommandInOneSlotPerStep: on a one-node Redis Cluster,
// which refuses CROSSSLOT as a real one does, the gateway's commands
// succeed (keyed POSTs of new entities one script, a keyed command about
// an existing entity one script beside its Idempotency-Key record) — batch POSTs with and without Idempotency-Key, inventory
// entries for products of several partitions, an order of several
// products, paying it, cancelling the payment, moving an entry to another
// product, deleting — each keyed repeat answers the first answer and
// writes nothing, guards still refuse, and no unit of work the gateway
// sends touches two slots.
func TestClusterEveryCommandInOneSlotPerStep(t *testing.T) {
	s := newClusterShop(t)
	v1 := gateway.RESTPrefix
	customers := s.ids(s.do("POST", v1+"/customers", `[{"name":"Ann","email":"ann@example.com"},{"name":"Bob","email":"bob@example.com"}]`, "", 201))
	var products []string
	for i := range 4 {
		products = append(products, s.ids(s.twice("POST", v1+"/products", fmt.Sprintf(`{"name":"P%d","price":3}`, i), fmt.Sprintf("product-%d", i), 201))...)
	}
	if n := s.steps(); n != 0 {
		t.Fatalf("keyed POSTs of one product done in %d steps, want one script each", n)
	}
	parts := map[int]bool{}
	for _, p := range products[:3] {
		parts[partition.Of(p, clusterPartitions)] = true
	}
	s.project()

	var entries []string
	for _, p := range products[:3] {
		entries = append(entries, fmt.Sprintf(`{"product_id":%q,"amount":10}`, p))
	}
	inv := s.ids(s.twice("POST", v1+"/inventory", "["+strings.Join(entries, ",")+"]", "inventory-batch", 201))
	if n := s.count(model.InventoryCreated); n != 3 || len(inv) != 3 {
		t.Fatalf("%d inventory.created, %d ids; want 3", n, len(inv))
	}
	for i, id := range inv {
		if partition.Of(id, clusterPartitions) != partition.Of(products[i], clusterPartitions) {
			t.Errorf("entry %s not in its product's partition", id)
		}
	}
	s.do("POST", v1+"/inventory", entries[0], "", http.StatusConflict)
	s.project()
	batchSteps := s.steps()
	if batchSteps != len(parts) {
		t.Errorf("a batch of entries in %d partitions done in %d steps", len(parts), batchSteps)
	}

	order := fmt.Sprintf(`{"customer_id":%q,"product_ids":[%q,%q,%q]}`, customers[0], products[0], products[1], products[2])
	o := s.ids(s.twice("POST", v1+"/orders", order, "order-1", 201))[0]
	if n := s.steps(); n != batchSteps {
		t.Errorf("a keyed order done in %d steps, want one script (the order in its key's partition)", n-batchSteps)
	}
	if _, err := eventstore.New(s.rdb, s.log).Publish(context.Background(), mustEvent(t, model.OrderAccepted, o, model.OrderVerdict{ID: o})); err != nil {
		t.Fatal(err)
	}
	s.project()

	billing := s.ids(s.twice("POST", v1+"/billings", fmt.Sprintf(`{"order_id":%q}`, o), "pay-1", 201))[0]
	if partition.Of(billing, clusterPartitions) != partition.Of(o, clusterPartitions) {
		t.Errorf("billing %s not in its order's partition", billing)
	}
	if n := s.rdb.Exists(context.Background(), idempotency.RedisKey("pay-1", idempotency.KeyPartition("pay-1", clusterPartitions))).Val(); n != 1 {
		t.Error("the payment's Idempotency-Key record is not in its key's partition")
	}
	s.project()
	s.do("POST", v1+"/billings", fmt.Sprintf(`{"order_id":%q}`, o), "", http.StatusConflict)
	s.twice("DELETE", v1+"/billings/"+billing, "", "unpay-1", 200)
	s.project()
	if n := s.steps(); n > batchSteps+2 {
		t.Errorf("keyed payment and its cancellation done in %d steps, want one script each beside their records", n-batchSteps)
	}

	s.twice("PUT", v1+"/inventory/"+inv[0], fmt.Sprintf(`{"product_id":%q,"amount":4}`, products[3]), "move-1", 200)
	s.project()
	s.do("POST", v1+"/inventory", fmt.Sprintf(`{"product_id":%q,"amount":1}`, products[0]), "", 201)

	moveSteps := s.steps()
	s.twice("DELETE", v1+"/customers/"+customers[1], "", "delete-1", 200)
	if n := s.steps(); n > moveSteps+1 {
		t.Errorf("a keyed DELETE done in %d steps, want one script beside its record", n-moveSteps)
	}
	s.do("DELETE", v1+"/customers/"+customers[1], "", "", http.StatusNotFound)
	if n := s.count(model.CustomerDeleted); n != 1 {
		t.Errorf("%d customer.deleted, want 1", n)
	}
	if len(parts) < 2 {
		t.Fatalf("the products are in %d partition(s): the test needs several", len(parts))
	}
	s.audit.Check(t, 10, 10)
}

func mustEvent(t *testing.T, typ, id string, data any) model.Event {
	t.Helper()
	e, err := model.NewEvent(typ, id, "", data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestClusterRetryFinishesAHalfDoneBatch: a keyed batch of inventory
// entries over several partitions fails half done (one partition's stream
// is no stream: 500); once that is fixed, the client's retry finishes the
// first try's plan and answers its answer — every entry once — and the
// key reused for another body is refused with 422.
func TestClusterRetryFinishesAHalfDoneBatch(t *testing.T) {
	s := newClusterShop(t)
	v1 := gateway.RESTPrefix
	var products []string
	for i := range 6 {
		products = append(products, s.ids(s.do("POST", v1+"/products", fmt.Sprintf(`{"name":"P%d","price":3}`, i), "", 201))...)
	}
	s.project()
	var entries []string
	parts := map[int]bool{}
	for _, p := range products {
		entries = append(entries, fmt.Sprintf(`{"product_id":%q,"amount":10}`, p))
		parts[partition.Of(p, clusterPartitions)] = true
	}
	if len(parts) < 2 {
		t.Fatalf("products in %d partition(s): the test needs several", len(parts))
	}
	last := -1
	for p := range parts {
		last = max(last, p)
	}
	broken := partition.Stream(model.Stream(model.AggInventory), last)
	ctx := context.Background()
	s.rdb.Set(ctx, broken, "no stream", 0)
	body := "[" + strings.Join(entries, ",") + "]"
	s.do("POST", v1+"/inventory", body, "batch", http.StatusInternalServerError)
	var written int64
	for p := range clusterPartitions {
		if p != last {
			written += s.rdb.XLen(ctx, partition.Stream(model.Stream(model.AggInventory), p)).Val()
		}
	}
	if written == 0 || written == int64(len(products)) {
		t.Fatalf("%d of %d entries written by the failed try: want it half done", written, len(products))
	}
	s.rdb.Del(ctx, broken)
	retry := s.do("POST", v1+"/inventory", body, "batch", 201)
	if retry.Header().Get(idempotency.ReplayedHeader) != "true" || len(s.ids(retry)) != len(products) {
		t.Fatalf("retry = %s (replayed %q)", retry.Body, retry.Header().Get(idempotency.ReplayedHeader))
	}
	if n := s.count(model.InventoryCreated); n != len(products) {
		t.Errorf("%d inventory.created after the retry, want %d", n, len(products))
	}
	s.do("POST", v1+"/inventory", "["+entries[0]+"]", "batch", http.StatusUnprocessableEntity)
	s.audit.Check(t, len(parts), 5)
}
