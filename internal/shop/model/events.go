package model

import "slices"

// Aggregates: each has its own event log, the partitioned family
// events:<aggregate> (see Log).
const (
	AggCustomer  = "customer"
	AggProduct   = "product"
	AggInventory = "inventory"
	AggOrder     = "order"
	AggBilling   = "billing"
	AggMail      = "mail"
)

// Aggregates returns every aggregate that has an event stream, in a fixed
// order.
func Aggregates() []string {
	return []string{AggCustomer, AggProduct, AggInventory, AggOrder, AggBilling, AggMail}
}

// Streams returns the event log family of every aggregate.
func Streams() []string {
	aggs := Aggregates()
	out := make([]string, len(aggs))
	for i, a := range aggs {
		out[i] = Stream(a)
	}
	return out
}

// Stream is the event log family of an aggregate: events:<aggregate>, a
// partitioned family whose partitions are the streams
// events:<aggregate>:{p<p>} (Log).
func Stream(aggregate string) string { return "events:" + aggregate }

// StreamOf is the family an event type belongs to: "order.created" goes to
// a partition of events:order (Log.StreamOf says which).
func StreamOf(eventType string) string { return Stream(AggregateOf(eventType)) }

// StreamsOf is the families the events of the given types are in, each
// once, in the order of Streams (a family of no known aggregate last).
func StreamsOf(eventTypes ...string) []string {
	var out []string
	for _, t := range eventTypes {
		if s := StreamOf(t); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	all := Streams()
	rank := func(s string) int {
		if i := slices.Index(all, s); i >= 0 {
			return i
		}
		return len(all)
	}
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

// The event catalogue. Data of <agg>.created/updated is the entity; of
// <agg>.deleted the entity as it was when deleted.
const (
	CustomerCreated  = "customer.created"
	CustomerUpdated  = "customer.updated"
	CustomerDeleted  = "customer.deleted"
	ProductCreated   = "product.created"
	ProductUpdated   = "product.updated"
	ProductDeleted   = "product.deleted"
	InventoryCreated = "inventory.created"
	InventoryUpdated = "inventory.updated"
	InventoryDeleted = "inventory.deleted"
	// OrderCreated and OrderUpdated carry an Order (id, customer_id,
	// product_ids); OrderDeleted the order as it was.
	OrderCreated = "order.created"
	OrderUpdated = "order.updated"
	OrderDeleted = "order.deleted"
	// OrderAccepted and OrderRejected are the inventory function's verdict
	// on a created or updated order: data is an OrderVerdict.
	OrderAccepted = "order.accepted"
	OrderRejected = "order.rejected"
	// BillingCreated records a payment: data is a Billing. BillingUpdated
	// re-issues it (the amount is the order's total again); BillingDeleted
	// cancels it, and the order is unpaid again.
	BillingCreated = "billing.created"
	BillingUpdated = "billing.updated"
	BillingDeleted = "billing.deleted"
	// MailRequested asks the mailer to send a Mail; MailSent says it did.
	MailRequested = "mail.requested"
	MailSent      = "mail.sent"
)

// OrderVerdict is the data of order.accepted and order.rejected. After is
// the type of the order event decided on (order.created or order.updated).
type OrderVerdict struct {
	ID         string   `json:"id"`
	CustomerID string   `json:"customer_id"`
	ProductIDs []string `json:"product_ids"`
	After      string   `json:"after"`
	Reason     string   `json:"reason,omitempty"`
}
