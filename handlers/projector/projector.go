// Package projector keeps the read model: every entity event of the shop
// becomes a write to the model the gateway queries. Writes are idempotent,
// so a re-run event projects the same state.
package projector

import (
	"context"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

// Model is the read model the projector writes. Implementations must be
// idempotent and safe for concurrent use.
type Model interface {
	// Put stores an entity unless it was deleted.
	Put(ctx context.Context, aggregate, id string, v any) error
	// Delete removes an entity for good.
	Delete(ctx context.Context, aggregate, id string) error
	// SetOrderStatus records an order's status unless the order was
	// deleted; the order itself may come later.
	SetOrderStatus(ctx context.Context, orderID, status, reason string) error
	// MarkPaid records the billing that paid an order unless the order was
	// deleted.
	MarkPaid(ctx context.Context, orderID, billingID string) error
	// Unpay records that a billing no longer pays an order (cancelled).
	Unpay(ctx context.Context, orderID, billingID string) error
	// RecordMail records a sent mail once per mail id.
	RecordMail(ctx context.Context, m model.Mail) error
}

// Projector projects events onto a Model: live as the projector function,
// or one by one when the read model is rebuilt.
type Projector struct {
	model Model
	fn    runtime.Function
}

// New returns a Projector writing to m.
func New(m Model) *Projector {
	p := &Projector{model: m}
	mux := runtime.NewTypeMux()
	for _, agg := range []string{model.AggCustomer, model.AggProduct, model.AggInventory, model.AggOrder} {
		typed.On(mux, agg+".deleted", p.deleted(agg))
	}
	for _, t := range []string{model.CustomerCreated, model.CustomerUpdated} {
		typed.On(mux, t, put[model.Customer](p, model.AggCustomer))
	}
	for _, t := range []string{model.ProductCreated, model.ProductUpdated} {
		typed.On(mux, t, put[model.Product](p, model.AggProduct))
	}
	for _, t := range []string{model.InventoryCreated, model.InventoryUpdated} {
		typed.On(mux, t, put[model.Inventory](p, model.AggInventory))
	}
	typed.On(mux, model.OrderCreated, put[model.Order](p, model.AggOrder))
	typed.On(mux, model.OrderUpdated, p.orderUpdated)
	typed.On(mux, model.OrderAccepted, p.verdict(model.StatusAccepted))
	typed.On(mux, model.OrderRejected, p.verdict(model.StatusRejected))
	typed.On(mux, model.BillingCreated, p.billingCreated)
	typed.On(mux, model.BillingUpdated, p.billingCreated)
	typed.On(mux, model.BillingDeleted, p.billingDeleted)
	typed.On(mux, model.MailSent, p.mailSent)
	p.fn = model.Function(model.FunctionProjector, mux)
	return p
}

// Function is the projector function.
func (p *Projector) Function() runtime.Function { return p.fn }

// Apply projects one event of any type outside the runtime (the read
// model's rebuild), through the function's wiring (runtime.Invoke): types
// the projector does not know are skipped, and an event it can never
// project is a permanent error (the live projector dead-letters it).
func (p *Projector) Apply(ctx context.Context, e model.Event) error {
	out := runtime.Invoke(ctx, p.fn, e.Stream, e.Fields())
	if out.Permanent {
		return runtime.Permanent(out.Err)
	}
	return out.Err
}

// entity is what every projected entity has: an id.
type entity interface {
	model.Customer | model.Product | model.Inventory | model.Order | model.Billing
}

func idOf(v any) string {
	switch e := v.(type) {
	case model.Customer:
		return e.ID
	case model.Product:
		return e.ID
	case model.Inventory:
		return e.ID
	case model.Order:
		return e.ID
	case model.Billing:
		return e.ID
	}
	return ""
}

// noID is the permanent failure of an event whose data names no entity.
func noID(msg *runtime.Message) error { return model.BadEvent(msg, "data has no id") }

func put[T entity](p *Projector, aggregate string) typed.Func[T] {
	return func(ctx context.Context, msg *runtime.Message, v T) error {
		id := idOf(v)
		if id == "" {
			return noID(msg)
		}
		return p.model.Put(ctx, aggregate, id, v)
	}
}

// ref is the part of an entity a deletion needs: its id.
type ref struct {
	ID string `json:"id"`
}

// deleted removes the entity an <aggregate>.deleted event names.
func (p *Projector) deleted(aggregate string) typed.Func[ref] {
	return func(ctx context.Context, msg *runtime.Message, v ref) error {
		if v.ID == "" {
			return noID(msg)
		}
		return p.model.Delete(ctx, aggregate, v.ID)
	}
}

// orderUpdated stores the new order and sets it pending until the
// inventory's verdict on the update.
func (p *Projector) orderUpdated(ctx context.Context, msg *runtime.Message, o model.Order) error {
	if o.ID == "" {
		return noID(msg)
	}
	if err := p.model.Put(ctx, model.AggOrder, o.ID, o); err != nil {
		return err
	}
	return p.model.SetOrderStatus(ctx, o.ID, model.StatusPending, "")
}

func (p *Projector) verdict(status string) typed.Func[model.OrderVerdict] {
	return func(ctx context.Context, msg *runtime.Message, v model.OrderVerdict) error {
		if v.ID == "" {
			return noID(msg)
		}
		return p.model.SetOrderStatus(ctx, v.ID, status, v.Reason)
	}
}

func (p *Projector) billingCreated(ctx context.Context, msg *runtime.Message, b model.Billing) error {
	if b.ID == "" {
		return noID(msg)
	}
	if err := p.model.Put(ctx, model.AggBilling, b.ID, b); err != nil {
		return err
	}
	return p.model.MarkPaid(ctx, b.OrderID, b.ID)
}

// billingDeleted removes a cancelled payment: the order it paid is unpaid
// again.
func (p *Projector) billingDeleted(ctx context.Context, msg *runtime.Message, b model.Billing) error {
	if b.ID == "" {
		return noID(msg)
	}
	if err := p.model.Delete(ctx, model.AggBilling, b.ID); err != nil {
		return err
	}
	if b.OrderID == "" {
		return nil
	}
	return p.model.Unpay(ctx, b.OrderID, b.ID)
}

func (p *Projector) mailSent(ctx context.Context, msg *runtime.Message, m model.Mail) error {
	if m.ID == "" {
		return noID(msg)
	}
	return p.model.RecordMail(ctx, m)
}
