// Package crm keeps in touch with customers: a welcome mail when a customer
// is created, a good-bye mail when one is deleted and a thank-you mail,
// listing the products, when an order is accepted. It requests mails with
// mail.requested events; the mailer delivers them.
package crm

import (
	"context"
	"fmt"
	"strings"

	"github.com/ordershop/functions/internal/shop/model"
)

// Name is the function's name.
const Name = model.FunctionCRM

// Directory looks customers and products up in the read model.
type Directory interface {
	// Customer returns a customer; ok is false for an unknown or deleted id.
	Customer(ctx context.Context, id string) (c model.Customer, ok bool, err error)
	// Product returns a product; ok is false for an unknown or deleted id.
	Product(ctx context.Context, id string) (p model.Product, ok bool, err error)
}

// CRM is the crm function's handler.
type CRM struct {
	dir Directory
}

// New returns a CRM that looks people and products up in dir.
func New(dir Directory) *CRM { return &CRM{dir: dir} }

// Routes maps the handled event types to their reactions.
func (c *CRM) Routes() map[string]model.Reaction {
	return map[string]model.Reaction{
		model.CustomerCreated: c.welcome,
		model.CustomerDeleted: c.goodbye,
		model.OrderAccepted:   c.thankYou,
	}
}

func decodeCustomer(e model.Event) (model.Customer, error) {
	var cu model.Customer
	if err := e.Decode(&cu); err != nil {
		return cu, err
	}
	if cu.ID == "" || cu.Email == "" {
		return cu, fmt.Errorf("%s %s: want id and email: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	return cu, nil
}

func one(e model.Event, err error) ([]model.Event, error) {
	if err != nil {
		return nil, err
	}
	return []model.Event{e}, nil
}

func (c *CRM) welcome(_ context.Context, e model.Event) ([]model.Event, error) {
	cu, err := decodeCustomer(e)
	if err != nil {
		return nil, err
	}
	return one(e.RequestMail(model.Mail{
		To: cu.Email, Kind: model.MailWelcome, CustomerID: cu.ID,
		Subject: "Welcome to OrderShop",
		Body:    fmt.Sprintf("Hello %s,\n\nwelcome to OrderShop! We are glad to have you.\n", cu.Name),
	}))
}

func (c *CRM) goodbye(_ context.Context, e model.Event) ([]model.Event, error) {
	cu, err := decodeCustomer(e)
	if err != nil {
		return nil, err
	}
	return one(e.RequestMail(model.Mail{
		To: cu.Email, Kind: model.MailGoodbye, CustomerID: cu.ID,
		Subject: "Good-bye from OrderShop",
		Body:    fmt.Sprintf("Hello %s,\n\nyour account is closed. Thank you for shopping with us.\n", cu.Name),
	}))
}

// thankYou thanks for a newly accepted order (not for an accepted update)
// with the list of its products. A customer deleted meanwhile gets no mail.
func (c *CRM) thankYou(ctx context.Context, e model.Event) ([]model.Event, error) {
	var v model.OrderVerdict
	if err := e.Decode(&v); err != nil {
		return nil, err
	}
	if v.ID == "" || v.CustomerID == "" {
		return nil, fmt.Errorf("%s %s: want id and customer_id: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	if v.After != model.OrderCreated {
		return nil, nil
	}
	cu, ok, err := c.dir.Customer(ctx, v.CustomerID)
	if err != nil || !ok {
		return nil, err
	}
	var lines strings.Builder
	for _, id := range v.ProductIDs {
		name := id
		p, ok, err := c.dir.Product(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			name = p.Name
		}
		fmt.Fprintf(&lines, "  - %s\n", name)
	}
	return one(e.RequestMail(model.Mail{
		To: cu.Email, Kind: model.MailThankYou, CustomerID: cu.ID, OrderID: v.ID,
		Subject: "Thank you for your order",
		Body:    fmt.Sprintf("Hello %s,\n\nthank you for your order %s of:\n%s", cu.Name, v.ID, lines.String()),
	}))
}
