// Package billing asks for and confirms payments: when an order is
// accepted (created or updated) it requests the payment of its total, from
// the product prices; when a payment is recorded (billing.created) it
// confirms it. Both are mail.requested events for the mailer.
package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/ordershop/functions/internal/shop/model"
)

// Name is the function's name.
const Name = model.FunctionBilling

// Directory looks customers and products up in the read model.
type Directory interface {
	// Customer returns a customer; ok is false for an unknown or deleted id.
	Customer(ctx context.Context, id string) (c model.Customer, ok bool, err error)
	// Product returns a product; ok is false for an unknown or deleted id.
	Product(ctx context.Context, id string) (p model.Product, ok bool, err error)
}

// Billing is the billing function's handler.
type Billing struct {
	dir Directory
}

// New returns a Billing that looks prices and customers up in dir.
func New(dir Directory) *Billing { return &Billing{dir: dir} }

// Routes maps the handled event types to their reactions.
func (b *Billing) Routes() map[string]model.Reaction {
	return map[string]model.Reaction{
		model.OrderAccepted:  b.requestPayment,
		model.BillingCreated: b.confirmPayment,
	}
}

// requestPayment asks the customer to pay an accepted order's total. A
// customer deleted meanwhile gets no mail.
func (b *Billing) requestPayment(ctx context.Context, e model.Event) ([]model.Event, error) {
	var v model.OrderVerdict
	if err := e.Decode(&v); err != nil {
		return nil, err
	}
	if v.ID == "" || v.CustomerID == "" {
		return nil, fmt.Errorf("%s %s: want id and customer_id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	cu, ok, err := b.dir.Customer(ctx, v.CustomerID)
	if err != nil || !ok {
		return nil, err
	}
	total, err := model.Total(ctx, b.dir, v.ProductIDs)
	if errors.Is(err, model.ErrTotalTooLarge) {
		return nil, fmt.Errorf("%s %s: %w: %w", e.Type, e.ID, err, model.ErrBadEvent)
	}
	if err != nil {
		return nil, err
	}
	m, err := e.RequestMail(model.Mail{
		To: cu.Email, Kind: model.MailPaymentRequest, CustomerID: cu.ID, OrderID: v.ID,
		Subject: "Payment request for order " + v.ID,
		Body:    fmt.Sprintf("Hello %s,\n\nplease pay %d for your order %s (%d items).\n", cu.Name, total, v.ID, len(v.ProductIDs)),
	})
	if err != nil {
		return nil, err
	}
	return []model.Event{m}, nil
}

// confirmPayment confirms a recorded payment to the customer.
func (b *Billing) confirmPayment(ctx context.Context, e model.Event) ([]model.Event, error) {
	var bill model.Billing
	if err := e.Decode(&bill); err != nil {
		return nil, err
	}
	if bill.ID == "" || bill.OrderID == "" || bill.CustomerID == "" {
		return nil, fmt.Errorf("%s %s: want id, order_id and customer_id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	cu, ok, err := b.dir.Customer(ctx, bill.CustomerID)
	if err != nil || !ok {
		return nil, err
	}
	m, err := e.RequestMail(model.Mail{
		To: cu.Email, Kind: model.MailPaymentReceived, CustomerID: cu.ID, OrderID: bill.OrderID,
		Subject: "Payment received for order " + bill.OrderID,
		Body:    fmt.Sprintf("Hello %s,\n\nwe received your payment of %d for order %s. Thank you!\n", cu.Name, bill.Amount, bill.OrderID),
	})
	if err != nil {
		return nil, err
	}
	return []model.Event{m}, nil
}
