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
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

// Function is the crm function, looking people and products up in dir and
// requesting mails on log.
func Function(dir model.Directory, log *model.Log) runtime.Function {
	mux := runtime.NewTypeMux()
	typed.On(mux, model.CustomerCreated, customerMail(log, model.MailWelcome, "Welcome to OrderShop",
		"Hello %s,\n\nwelcome to OrderShop! We are glad to have you.\n"))
	typed.On(mux, model.CustomerDeleted, customerMail(log, model.MailGoodbye, "Good-bye from OrderShop",
		"Hello %s,\n\nyour account is closed. Thank you for shopping with us.\n"))
	typed.On(mux, model.OrderAccepted, crm{dir: dir, log: log}.thankYou)
	return model.Function(model.FunctionCRM, mux)
}

type crm struct {
	dir model.Directory
	log *model.Log
}

// customerMail mails the customer an event is about: a mail of kind with
// subject, and body with the customer's name for its %s.
func customerMail(log *model.Log, kind, subject, body string) typed.Func[model.Customer] {
	return func(ctx context.Context, msg *runtime.Message, cu model.Customer) error {
		if cu.ID == "" || cu.Email == "" {
			return model.BadEvent(msg, "want id and email")
		}
		return log.RequestMail(ctx, msg, model.Mail{
			To: cu.Email, Kind: kind, CustomerID: cu.ID, Subject: subject, Body: fmt.Sprintf(body, cu.Name),
		})
	}
}

// thankYou thanks for a newly accepted order (not for an accepted update)
// with the list of its products. A customer deleted meanwhile gets no mail.
func (c crm) thankYou(ctx context.Context, msg *runtime.Message, v model.OrderVerdict) error {
	if v.ID == "" || v.CustomerID == "" {
		return model.BadEvent(msg, "want id and customer_id")
	}
	if v.After != model.OrderCreated {
		return nil
	}
	cu, ok, err := c.dir.Customer(ctx, v.CustomerID)
	if err != nil || !ok {
		return err
	}
	var lines strings.Builder
	for _, id := range v.ProductIDs {
		name := id
		p, ok, err := c.dir.Product(ctx, id)
		if err != nil {
			return err
		}
		if ok {
			name = p.Name
		}
		fmt.Fprintf(&lines, "  - %s\n", name)
	}
	return c.log.RequestMail(ctx, msg, model.Mail{
		To: cu.Email, Kind: model.MailThankYou, CustomerID: cu.ID, OrderID: v.ID,
		Subject: "Thank you for your order",
		Body:    fmt.Sprintf("Hello %s,\n\nthank you for your order %s of:\n%s", cu.Name, v.ID, lines.String()),
	})
}
