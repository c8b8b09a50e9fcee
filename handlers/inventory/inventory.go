// Package inventory decides orders: it keeps the available stock from the
// inventory events (an entry's amount sets its product's stock) and reserves an order's units when it is created or
// updated (accepted, or rejected as out of stock) and releases them when
// it is deleted. The stock behind the Stock interface makes each step
// atomic and idempotent per order, so a re-run event reserves nothing twice.
package inventory

import (
	"context"
	"fmt"

	"github.com/ordershop/functions/internal/shop/model"
)

// Name is the function's name.
const Name = model.FunctionInventory

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
}

// Inventory is the inventory function's handler.
type Inventory struct {
	stock Stock
}

// New returns an Inventory on stock.
func New(stock Stock) *Inventory { return &Inventory{stock: stock} }

// Routes maps the handled event types to their reactions.
func (inv *Inventory) Routes() map[string]model.Reaction {
	return map[string]model.Reaction{
		model.InventoryCreated: inv.entry,
		model.InventoryUpdated: inv.entry,
		model.InventoryDeleted: inv.entryDeleted,
		model.OrderCreated:     inv.reserve,
		model.OrderUpdated:     inv.reserve,
		model.OrderDeleted:     inv.release,
	}
}

func needEntryID(e model.Event) error {
	if e.EntryID == "" {
		return fmt.Errorf("%s %s: no stream entry id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	return nil
}

func (inv *Inventory) entry(ctx context.Context, e model.Event) ([]model.Event, error) {
	var v model.Inventory
	if err := e.Decode(&v); err != nil {
		return nil, err
	}
	if v.ID == "" || v.ProductID == "" || v.Amount < 0 {
		return nil, fmt.Errorf("%s %s: want id, product_id and amount >= 0: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	if err := needEntryID(e); err != nil {
		return nil, err
	}
	return nil, inv.stock.SetEntry(ctx, e.EntryID, v.ID, v.ProductID, v.Amount)
}

func (inv *Inventory) entryDeleted(ctx context.Context, e model.Event) ([]model.Event, error) {
	var v model.Inventory
	if err := e.Decode(&v); err != nil {
		return nil, err
	}
	if v.ID == "" {
		return nil, fmt.Errorf("%s %s: no id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	if err := needEntryID(e); err != nil {
		return nil, err
	}
	return nil, inv.stock.SetEntry(ctx, e.EntryID, v.ID, "", 0)
}

// reserve decides a created or updated order and emits the verdict.
func (inv *Inventory) reserve(ctx context.Context, e model.Event) ([]model.Event, error) {
	var o model.Order
	if err := e.Decode(&o); err != nil {
		return nil, err
	}
	if o.ID == "" || len(o.ProductIDs) == 0 {
		return nil, fmt.Errorf("%s %s: want id and product_ids: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	if err := needEntryID(e); err != nil {
		return nil, err
	}
	state, reason, err := inv.stock.Reserve(ctx, e.EntryID, o.ID, o.Units())
	if err != nil {
		return nil, err
	}
	verdict := model.OrderVerdict{ID: o.ID, CustomerID: o.CustomerID, ProductIDs: o.ProductIDs, After: e.Type}
	typ := model.OrderAccepted
	switch state {
	case model.Reserved:
	case model.Rejected:
		typ, verdict.Reason = model.OrderRejected, reason
	case model.Released:
		return nil, nil // deleted meanwhile: nothing to decide
	default:
		return nil, fmt.Errorf("reserve %s: unknown state %q", o.ID, state)
	}
	out, err := e.FollowUp(typ, o.ID, "", verdict)
	if err != nil {
		return nil, err
	}
	return []model.Event{out}, nil
}

func (inv *Inventory) release(ctx context.Context, e model.Event) ([]model.Event, error) {
	var o model.Order
	if err := e.Decode(&o); err != nil {
		return nil, err
	}
	if o.ID == "" {
		return nil, fmt.Errorf("%s %s: no id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	if err := needEntryID(e); err != nil {
		return nil, err
	}
	_, err := inv.stock.Release(ctx, e.EntryID, o.ID)
	return nil, err
}
