// Package projector keeps the read model: every entity event of the shop
// becomes a write to the model the gateway queries. Writes are idempotent,
// so a re-run event projects the same state.
package projector

import (
	"context"
	"fmt"

	"github.com/ordershop/functions/internal/shop/model"
)

// Name is the projector's function name and consumer group; the gateway
// waits on it for read-your-writes.
const Name = model.FunctionProjector

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

// Projector projects events onto a Model.
type Projector struct {
	model Model
}

// New returns a Projector writing to m.
func New(m Model) *Projector { return &Projector{model: m} }

// Routes maps every projected event type to its reaction.
func (p *Projector) Routes() map[string]model.Reaction {
	r := map[string]model.Reaction{
		model.CustomerCreated:  put[model.Customer](p, model.AggCustomer),
		model.CustomerUpdated:  put[model.Customer](p, model.AggCustomer),
		model.ProductCreated:   put[model.Product](p, model.AggProduct),
		model.ProductUpdated:   put[model.Product](p, model.AggProduct),
		model.InventoryCreated: put[model.Inventory](p, model.AggInventory),
		model.InventoryUpdated: put[model.Inventory](p, model.AggInventory),
		model.OrderCreated:     put[model.Order](p, model.AggOrder),
		model.OrderUpdated:     p.orderUpdated,
		model.OrderAccepted:    p.verdict(model.StatusAccepted),
		model.OrderRejected:    p.verdict(model.StatusRejected),
		model.BillingCreated:   p.billingCreated,
		model.BillingUpdated:   p.billingCreated,
		model.BillingDeleted:   p.billingDeleted,
		model.MailSent:         p.mailSent,
	}
	for _, agg := range []string{model.AggCustomer, model.AggProduct, model.AggInventory, model.AggOrder} {
		r[agg+".deleted"] = p.deleted(agg)
	}
	return r
}

// Apply projects one event of any type (used to rebuild the read model);
// types the projector does not know are skipped.
func (p *Projector) Apply(ctx context.Context, e model.Event) ([]model.Event, error) {
	if r, ok := p.Routes()[e.Type]; ok {
		return r(ctx, e)
	}
	return nil, nil
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

// decode decodes an entity event and checks it names its entity.
func decode[T entity](e model.Event) (T, string, error) {
	var v T
	if err := e.Decode(&v); err != nil {
		return v, "", err
	}
	id := idOf(v)
	if id == "" {
		return v, "", fmt.Errorf("%s %s: data has no id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	return v, id, nil
}

func put[T entity](p *Projector, aggregate string) model.Reaction {
	return func(ctx context.Context, e model.Event) ([]model.Event, error) {
		v, id, err := decode[T](e)
		if err != nil {
			return nil, err
		}
		return nil, p.model.Put(ctx, aggregate, id, v)
	}
}

func (p *Projector) deleted(aggregate string) model.Reaction {
	return func(ctx context.Context, e model.Event) ([]model.Event, error) {
		var v struct {
			ID string `json:"id"`
		}
		if err := e.Decode(&v); err != nil {
			return nil, err
		}
		if v.ID == "" {
			return nil, fmt.Errorf("%s %s: data has no id: %w", e.Type, e.ID, model.ErrBadEvent)
		}
		return nil, p.model.Delete(ctx, aggregate, v.ID)
	}
}

// orderUpdated stores the new order and sets it pending until the
// inventory's verdict on the update.
func (p *Projector) orderUpdated(ctx context.Context, e model.Event) ([]model.Event, error) {
	o, id, err := decode[model.Order](e)
	if err != nil {
		return nil, err
	}
	if err := p.model.Put(ctx, model.AggOrder, id, o); err != nil {
		return nil, err
	}
	return nil, p.model.SetOrderStatus(ctx, id, model.StatusPending, "")
}

func (p *Projector) verdict(status string) model.Reaction {
	return func(ctx context.Context, e model.Event) ([]model.Event, error) {
		var v model.OrderVerdict
		if err := e.Decode(&v); err != nil {
			return nil, err
		}
		if v.ID == "" {
			return nil, fmt.Errorf("%s %s: data has no id: %w", e.Type, e.ID, model.ErrBadEvent)
		}
		return nil, p.model.SetOrderStatus(ctx, v.ID, status, v.Reason)
	}
}

func (p *Projector) billingCreated(ctx context.Context, e model.Event) ([]model.Event, error) {
	b, id, err := decode[model.Billing](e)
	if err != nil {
		return nil, err
	}
	if err := p.model.Put(ctx, model.AggBilling, id, b); err != nil {
		return nil, err
	}
	return nil, p.model.MarkPaid(ctx, b.OrderID, id)
}

// billingDeleted removes a cancelled payment: the order it paid is unpaid
// again.
func (p *Projector) billingDeleted(ctx context.Context, e model.Event) ([]model.Event, error) {
	b, id, err := decode[model.Billing](e)
	if err != nil {
		return nil, err
	}
	if err := p.model.Delete(ctx, model.AggBilling, id); err != nil {
		return nil, err
	}
	if b.OrderID == "" {
		return nil, nil
	}
	return nil, p.model.Unpay(ctx, b.OrderID, id)
}

func (p *Projector) mailSent(ctx context.Context, e model.Event) ([]model.Event, error) {
	var m model.Mail
	if err := e.Decode(&m); err != nil {
		return nil, err
	}
	if m.ID == "" {
		return nil, fmt.Errorf("%s %s: data has no id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	return nil, p.model.RecordMail(ctx, m)
}
