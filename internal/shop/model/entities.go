// Package model holds the shop's entities, its event catalogue and the
// event envelope shared by the gateway, the handlers and the read model.
// It knows nothing about Redis or the runtime.
package model

// Order statuses. An order is pending until the inventory function decides;
// paid is derived from a recorded payment.
const (
	StatusPending  = "pending"
	StatusAccepted = "accepted"
	StatusRejected = "rejected"
	StatusPaid     = "paid"
)

// Mail kinds: why a mail was sent.
const (
	MailWelcome         = "welcome"
	MailGoodbye         = "goodbye"
	MailThankYou        = "thank_you"
	MailPaymentRequest  = "payment_request"
	MailPaymentReceived = "payment_received"
)

// Customer is a shop customer.
type Customer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Product is something the shop sells; Price is per unit, a whole number
// (in the shop's smallest currency unit, as in the seed).
type Product struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Price int64  `json:"price"`
}

// Inventory is a product's stock entry; a product has at most one. In an
// event, Amount is the stock the command set; in a query's answer it is
// the live stock: what is left after every accepted order.
type Inventory struct {
	ID        string `json:"id"`
	ProductID string `json:"product_id"`
	Amount    int64  `json:"amount"`
}

// Order is a customer's order of products; a product listed twice is
// ordered twice. Status is one of the Status constants; Reason says why an
// order was rejected; BillingID is the payment that paid it.
type Order struct {
	ID         string   `json:"id"`
	CustomerID string   `json:"customer_id"`
	ProductIDs []string `json:"product_ids"`
	Status     string   `json:"status,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	BillingID  string   `json:"billing_id,omitempty"`
}

// Units counts the units of each product in the order.
func (o Order) Units() map[string]int {
	units := make(map[string]int, len(o.ProductIDs))
	for _, p := range o.ProductIDs {
		units[p]++
	}
	return units
}

// Billing is a recorded payment of an order.
type Billing struct {
	ID         string `json:"id"`
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id,omitempty"`
	Amount     int64  `json:"amount"`
}

// Mail is a mail to send (mail.requested) or sent (mail.sent). CauseEventID
// is the event that made the shop send it.
type Mail struct {
	ID           string `json:"id"`
	To           string `json:"to"`
	Subject      string `json:"subject"`
	Body         string `json:"body"`
	Kind         string `json:"kind"`
	CauseEventID string `json:"cause_event_id"`
	CustomerID   string `json:"customer_id,omitempty"`
	OrderID      string `json:"order_id,omitempty"`
	SentAt       string `json:"sent_at,omitempty"`
}
