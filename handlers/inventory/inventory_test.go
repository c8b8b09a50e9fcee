package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/handlers/handlertest"
	"github.com/ordershop/functions/handlers/inventory"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/runtimetest"
)

// fakeStock answers Reserve with state/reason and records calls.
type fakeStock struct {
	state, reason string
	err           error
	calls         []string
}

func (f *fakeStock) SetEntry(_ context.Context, entryID, id, product string, amount int64) error {
	f.calls = append(f.calls, fmt.Sprintf("entry %s %s %s %d", entryID, id, product, amount))
	return f.err
}
func (f *fakeStock) Reserve(_ context.Context, entryID, id string, units map[string]int) (string, string, error) {
	f.calls = append(f.calls, fmt.Sprintf("reserve %s %s %v", entryID, id, units))
	return f.state, f.reason, f.err
}
func (f *fakeStock) Covers(context.Context, map[string]int) (bool, error) { return true, nil }

func (f *fakeStock) Release(_ context.Context, entryID, id string) (bool, error) {
	f.calls = append(f.calls, "release "+entryID+" "+id)
	return true, f.err
}

func TestRoutes(t *testing.T) {
	const order = `{"id":"o1","customer_id":"c1","product_ids":["p1","p2","p1"]}`
	boom := errors.New("boom")
	tests := []struct {
		name, typ, data string
		stock           fakeStock
		wantCalls       []string
		wantEmit        string // type, empty for none
		wantReason      string
		wantErr         error
	}{
		{"inventory created", model.InventoryCreated, `{"id":"i1","product_id":"p1","amount":100}`, fakeStock{},
			[]string{"entry 0-1 i1 p1 100"}, "", "", nil},
		{"inventory deleted", model.InventoryDeleted, `{"id":"i1","product_id":"p1","amount":100}`, fakeStock{},
			[]string{"entry 0-1 i1  0"}, "", "", nil},
		{"negative amount", model.InventoryUpdated, `{"id":"i1","product_id":"p1","amount":-1}`, fakeStock{},
			nil, "", "", model.ErrBadEvent},
		{"order accepted", model.OrderCreated, order, fakeStock{state: model.Reserved},
			[]string{"reserve 0-1 o1 map[p1:2 p2:1]"}, model.OrderAccepted, "", nil},
		{"order rejected", model.OrderUpdated, order, fakeStock{state: model.Rejected, reason: "out of stock: p2"},
			[]string{"reserve 0-1 o1 map[p1:2 p2:1]"}, model.OrderRejected, "out of stock: p2", nil},
		{"order deleted meanwhile", model.OrderCreated, order, fakeStock{state: model.Released},
			[]string{"reserve 0-1 o1 map[p1:2 p2:1]"}, "", "", nil},
		{"stock fails: retried", model.OrderCreated, order, fakeStock{err: boom},
			[]string{"reserve 0-1 o1 map[p1:2 p2:1]"}, "", "", boom},
		{"order without products", model.OrderCreated, `{"id":"o1","product_ids":[]}`, fakeStock{},
			nil, "", "", model.ErrBadEvent},
		{"order deleted", model.OrderDeleted, order, fakeStock{}, []string{"release 0-1 o1"}, "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stock := tc.stock
			res := handlertest.Run(t, inventory.Function(&stock, handlertest.Log), handlertest.Event(tc.typ, tc.data))
			out, err := res.Events, res.Err
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if bad := errors.Is(err, model.ErrBadEvent); res.Permanent != bad {
				t.Errorf("err = %v: permanent %v, want %v", err, res.Permanent, bad)
			}
			if diff := cmp.Diff(tc.wantCalls, stock.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if tc.wantEmit == "" {
				if len(out) != 0 {
					t.Errorf("emitted %v, want nothing", out)
				}
				return
			}
			if len(out) != 1 || out[0].Type != tc.wantEmit || out[0].EntityID != "o1" || out[0].CausationID != "e1" || out[0].CorrelationID != "r1" {
				t.Fatalf("emitted %+v, want one %s for o1 caused by e1", out, tc.wantEmit)
			}
			var v model.OrderVerdict
			if err := out[0].Decode(&v); err != nil {
				t.Fatal(err)
			}
			want := model.OrderVerdict{ID: "o1", CustomerID: "c1", ProductIDs: []string{"p1", "p2", "p1"}, After: tc.typ, Reason: tc.wantReason}
			if diff := cmp.Diff(want, v); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerdictIDIsStable(t *testing.T) {
	ev := handlertest.Event(model.OrderCreated, `{"id":"o1","product_ids":["p"]}`)
	fn := inventory.Function(&fakeStock{state: model.Reserved}, handlertest.Log)
	a, b := handlertest.Run(t, fn, ev).Events, handlertest.Run(t, fn, ev).Events
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("emitted %+v and %+v, want one verdict each", a, b)
	}
	if a[0].ID != b[0].ID {
		t.Errorf("re-run emitted ids %s and %s, want the same", a[0].ID, b[0].ID)
	}
}

func TestMalformedEventsArePermanent(t *testing.T) {
	for _, data := range []string{`{}`, `{"id":1}`} {
		handlertest.RequirePermanent(t, inventory.Function(&fakeStock{}, handlertest.Log), data)
	}
}

// An order is not decided while an inventory event published before it
// is still to be handled (another entity, in another partition): it is
// retried, not rejected for a stock that exists, and accepted once the
// inventory event is handled.
func TestOrderWaitsForEarlierInventoryEvents(t *testing.T) {
	rdb := runtimetest.StartRedis(t).Client(t)
	ctx := context.Background()
	log := model.NewLog(rdb, 2)
	publish := func(typ, entity string, data any) string {
		t.Helper()
		ev, err := model.NewEvent(typ, entity, "test", data)
		if err != nil {
			t.Fatal(err)
		}
		stream, err := log.StreamOf(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: ev.Fields()}).Err(); err != nil {
			t.Fatal(err)
		}
		return stream
	}
	// The inventory entry fails until the test lets it through: it stays
	// pending, retried in place, unhandled.
	st := &gatedStock{Store: stock.New(rdb)}
	cfg := runtime.DefaultConfig()
	cfg.Partitions, cfg.PartitionLease, cfg.ReadBlock = 2, time.Second, 100*time.Millisecond
	cfg.BackoffBase, cfg.BackoffMax, cfg.MaxAttempts = 50*time.Millisecond, 200*time.Millisecond, 1000
	runtimetest.StartConfig(t, rdb, cfg, inventory.Function(st, log))
	publish(model.InventoryCreated, "i1", model.Inventory{ID: "i1", ProductID: "p1", Amount: 5})
	orderStream := publish(model.OrderCreated, "o1", model.Order{ID: "o1", CustomerID: "c1", ProductIDs: []string{"p1"}})

	redistest.Eventually(t, 20*time.Second, func() bool {
		p, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: orderStream, Group: model.FunctionInventory, Start: "-", End: "+", Count: 1}).Result()
		return err == nil && len(p) == 1 && p[0].RetryCount >= 2
	}, "the order retried while the inventory entry before it is unhandled")
	if v := verdicts(t, rdb, orderStream); len(v) != 0 {
		t.Fatalf("verdicts %v before the inventory entry was handled, want none", v)
	}
	st.open.Store(true)
	redistest.Eventually(t, 20*time.Second, func() bool { return len(verdicts(t, rdb, orderStream)) == 1 }, "the order decided")
	if v := verdicts(t, rdb, orderStream); v[0] != model.OrderAccepted {
		t.Fatalf("verdict %v, want %s: the stock was there before the order", v, model.OrderAccepted)
	}
}

// verdicts lists the types of the verdicts in the order's stream.
func verdicts(t *testing.T, rdb *redis.Client, stream string) []string {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if typ, _ := m.Values["type"].(string); typ == model.OrderAccepted || typ == model.OrderRejected {
			out = append(out, typ)
		}
	}
	return out
}

// gatedStock is the real stock whose inventory entries fail until open.
type gatedStock struct {
	*stock.Store
	open atomic.Bool
}

func (g *gatedStock) SetEntry(ctx context.Context, entryID, inventoryID, productID string, amount int64) error {
	if !g.open.Load() {
		return errors.New("inventory entries held back by the test")
	}
	return g.Store.SetEntry(ctx, entryID, inventoryID, productID, amount)
}
