// Package inventory decides orders: it keeps the available stock from the
// inventory events (an entry's amount sets its product's stock) and
// reserves an order's units when it is created or updated (accepted, or
// rejected as out of stock) and releases them when it is deleted. The
// stock behind the Stock interface makes each step atomic and idempotent
// per order, so a re-run event reserves nothing twice.
package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

// Stock is the available stock. entryID is the stream entry id of the event
// being handled: an implementation ignores an event it has applied already
// (or an older one) and returns the stored outcome.
type Stock interface {
	// SetEntry sets a product's available stock to amount units through
	// its inventory entry; productID "" removes the entry (the product it
	// had has no stock then).
	SetEntry(ctx context.Context, entryID, inventoryID, productID string, amount int64) error
	// Reserve replaces an order's reservation by units, all or nothing, and
	// says model.Reserved, model.Rejected (with a reason) or model.Released
	// (order deleted).
	Reserve(ctx context.Context, entryID, orderID string, units map[string]int) (state, reason string, err error)
	// Release gives back an order's units, once.
	Release(ctx context.Context, entryID, orderID string) (bool, error)
	// Covers reports whether the available stock covers units now (a
	// read: it reserves nothing).
	Covers(ctx context.Context, units map[string]int) (bool, error)
}

// Function is the inventory function on stock, emitting its verdicts on
// log (to the order's partition).
func Function(stock Stock, log *model.Log) runtime.Function {
	inv := inventory{stock: stock, log: log}
	mux := runtime.NewTypeMux()
	for _, t := range []string{model.InventoryCreated, model.InventoryUpdated} {
		typed.On(mux, t, inv.entry)
	}
	typed.On(mux, model.InventoryDeleted, inv.entryDeleted)
	for _, t := range []string{model.OrderCreated, model.OrderUpdated} {
		typed.On(mux, t, inv.reserve)
	}
	typed.On(mux, model.OrderDeleted, inv.release)
	return model.Function(model.FunctionInventory, mux)
}

type inventory struct {
	stock Stock
	log   *model.Log
}

func (inv inventory) entry(ctx context.Context, msg *runtime.Message, v model.Inventory) error {
	if v.ID == "" || v.ProductID == "" || v.Amount < 0 {
		return model.BadEvent(msg, "want id, product_id and amount >= 0")
	}
	return inv.stock.SetEntry(ctx, msg.ID, v.ID, v.ProductID, v.Amount)
}

func (inv inventory) entryDeleted(ctx context.Context, msg *runtime.Message, v model.Inventory) error {
	if v.ID == "" {
		return model.BadEvent(msg, "no id")
	}
	return inv.stock.SetEntry(ctx, msg.ID, v.ID, "", 0)
}

// reserve decides a created or updated order and emits the verdict.
func (inv inventory) reserve(ctx context.Context, msg *runtime.Message, o model.Order) error {
	if o.ID == "" || len(o.ProductIDs) == 0 {
		return model.BadEvent(msg, "want id and product_ids")
	}
	// Short of stock now, the verdict would be a rejection: first make
	// sure no inventory event published before the order is still to be
	// handled (it may be in another partition, on another instance).
	covered, err := inv.stock.Covers(ctx, o.Units())
	if err != nil {
		return err
	}
	if !covered {
		if err := inv.entriesHandled(ctx, msg); err != nil {
			return err
		}
	}
	state, reason, err := inv.stock.Reserve(ctx, msg.ID, o.ID, o.Units())
	if err != nil {
		return err
	}
	verdict := model.OrderVerdict{ID: o.ID, CustomerID: o.CustomerID, ProductIDs: o.ProductIDs, After: msg.Type}
	typ := model.OrderAccepted
	switch state {
	case model.Reserved:
	case model.Rejected:
		typ, verdict.Reason = model.OrderRejected, reason
	case model.Released:
		return nil // deleted meanwhile: nothing to decide
	default:
		return fmt.Errorf("reserve %s: unknown state %q", o.ID, state)
	}
	return inv.log.FollowUp(ctx, msg, typ, o.ID, "", verdict)
}

func (inv inventory) release(ctx context.Context, msg *runtime.Message, o model.Order) error {
	if o.ID == "" {
		return model.BadEvent(msg, "no id")
	}
	_, err := inv.stock.Release(ctx, msg.ID, o.ID)
	return err
}

// entriesWait bounds how long an order's verdict waits for the inventory
// entries published before it; past it the order is retried.
const entriesWait = 2 * time.Second

// entriesHandled waits, up to entriesWait, until this function has handled
// every inventory event published before the order: they are other
// entities' events, in other partitions (maybe owned by another instance,
// or recovered later after a restart), and the order's stock depends on
// them. Still not handled, the order fails, to be retried in place.
func (inv inventory) entriesHandled(ctx context.Context, msg *runtime.Message) error {
	pos, err := inv.log.PositionsBefore(ctx, msg.ID, model.AggInventory)
	if err != nil || len(pos) == 0 {
		return err
	}
	client := inv.log.Client()
	if err := runtime.WaitCaughtUp(ctx, client, model.FunctionInventory, pos, entriesWait); err != nil {
		return fmt.Errorf("inventory entries published before order event %s not all handled yet: %w", msg.ID, err)
	}
	return nil
}
