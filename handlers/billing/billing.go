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
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

// Function is the billing function, looking prices and customers up in
// dir.
func Function(dir model.Directory, log *model.Log) runtime.Function {
	b := billing{dir: dir, log: log}
	mux := runtime.NewTypeMux()
	typed.On(mux, model.OrderAccepted, b.requestPayment)
	typed.On(mux, model.BillingCreated, b.confirmPayment)
	return model.Function(model.FunctionBilling, mux)
}

type billing struct {
	dir model.Directory
	log *model.Log
}

// requestPayment asks the customer to pay an accepted order's total. A
// customer deleted meanwhile gets no mail.
func (b billing) requestPayment(ctx context.Context, msg *runtime.Message, v model.OrderVerdict) error {
	if v.ID == "" || v.CustomerID == "" {
		return model.BadEvent(msg, "want id and customer_id")
	}
	cu, ok, err := b.dir.Customer(ctx, v.CustomerID)
	if err != nil || !ok {
		return err
	}
	total, err := model.Total(ctx, b.dir, v.ProductIDs)
	if errors.Is(err, model.ErrTotalTooLarge) {
		return model.BadEvent(msg, "%w", err)
	}
	if err != nil {
		return err
	}
	return b.log.RequestMail(ctx, msg, model.Mail{
		To: cu.Email, Kind: model.MailPaymentRequest, CustomerID: cu.ID, OrderID: v.ID,
		Subject: "Payment request for order " + v.ID,
		Body:    fmt.Sprintf("Hello %s,\n\nplease pay %d for your order %s (%d items).\n", cu.Name, total, v.ID, len(v.ProductIDs)),
	})
}

// confirmPayment confirms a recorded payment to the customer.
func (b billing) confirmPayment(ctx context.Context, msg *runtime.Message, bill model.Billing) error {
	if bill.ID == "" || bill.OrderID == "" || bill.CustomerID == "" {
		return model.BadEvent(msg, "want id, order_id and customer_id")
	}
	cu, ok, err := b.dir.Customer(ctx, bill.CustomerID)
	if err != nil || !ok {
		return err
	}
	return b.log.RequestMail(ctx, msg, model.Mail{
		To: cu.Email, Kind: model.MailPaymentReceived, CustomerID: cu.ID, OrderID: bill.OrderID,
		Subject: "Payment received for order " + bill.OrderID,
		Body:    fmt.Sprintf("Hello %s,\n\nwe received your payment of %d for order %s. Thank you!\n", cu.Name, bill.Amount, bill.OrderID),
	})
}
