package inventory_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/handlers/inventory"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/runtimetest"
)

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
