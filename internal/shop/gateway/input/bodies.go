// Package input reads the shop API's request bodies: the body limit (413
// past it), strict JSON (no unknown fields, no trailing data), one entity
// or an array of them, and each entity's checks against the input limits
// (a 400 that names the field).
package input

import (
	"encoding/json"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
)

// The request bodies. Pointers tell a missing field from a zero one. A PUT
// body may carry every field a GET answered (the seed's client sends back
// what it read): "id" must then match the path; fields the server derives
// (an order's status, a billing's amount) are ignored. On POST "id" is
// ignored: the gateway makes the ids. A body's checks run in the order of
// its fields: the first that fails is the answer.

// bodyIDField is the "id" every body may carry, and its BodyID.
type bodyIDField struct {
	ID *string `json:"id"`
}

// BodyID is the id the body carries, nil when it carries none.
func (in bodyIDField) BodyID() *string { return in.ID }

// Customer is the body of a customer: name and e-mail address.
type Customer struct {
	bodyIDField
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

// Entity checks the body and makes it the customer with that id.
func (in Customer) Entity(id string) (model.Customer, error) {
	return valid(model.Customer{ID: id, Name: text(in.Name), Email: text(in.Email)},
		needText("name", in.Name, MaxNameLength), needEmail(in.Email))
}

// Product is the body of a product: name and price (a whole number).
type Product struct {
	bodyIDField
	Name  *string          `json:"name"`
	Price *json.RawMessage `json:"price"`
}

// Entity checks the body and makes it the product with that id.
func (in Product) Entity(id string) (model.Product, error) {
	price, err := wholeNumber("price", in.Price)
	return valid(model.Product{ID: id, Name: text(in.Name), Price: price}, needText("name", in.Name, MaxNameLength), err)
}

// Inventory is the body of an inventory entry: its product and amount.
type Inventory struct {
	bodyIDField
	ProductID *string          `json:"product_id"`
	Amount    *json.RawMessage `json:"amount"`
}

// Entity checks the body and makes it the inventory entry with that id.
func (in Inventory) Entity(id string) (model.Inventory, error) {
	amount, err := wholeNumber("amount", in.Amount)
	return valid(model.Inventory{ID: id, ProductID: text(in.ProductID), Amount: amount}, NeedID("product_id", in.ProductID), err)
}

// Order is the body of an order: its customer and products.
type Order struct {
	bodyIDField
	CustomerID *string  `json:"customer_id"`
	ProductIDs []string `json:"product_ids"`
	// Status, Reason and BillingID are what a GET answers; accepted and
	// ignored.
	Status    *string `json:"status"`
	Reason    *string `json:"reason"`
	BillingID *string `json:"billing_id"`
}

// Entity checks the body and makes it the order with that id.
func (in Order) Entity(id string) (model.Order, error) {
	return valid(model.Order{ID: id, CustomerID: text(in.CustomerID), ProductIDs: in.ProductIDs},
		NeedID("customer_id", in.CustomerID), checkProductIDs(in.ProductIDs))
}

// Billing is the body of a payment: the order it pays.
type Billing struct {
	bodyIDField
	OrderID *string `json:"order_id"`
	// CustomerID and Amount are what a GET answers; accepted and ignored
	// (the amount is the order's total).
	CustomerID *string          `json:"customer_id"`
	Amount     *json.RawMessage `json:"amount"`
}

// checkProductIDs refuses an order's product list that is empty, too long
// or holds an id that is not one.
func checkProductIDs(ids []string) error {
	if len(ids) == 0 {
		return respond.BadRequest("field product_ids must list at least one product")
	}
	if len(ids) > MaxProductsPerOrder {
		return respond.BadRequest("field product_ids lists %d products; at most %d", len(ids), MaxProductsPerOrder)
	}
	for i := range ids {
		if err := checkText("product_ids", ids[i], MaxIDLength); err != nil {
			return err
		}
	}
	return nil
}

// valid returns v, or the zero T and the first error of checks that is
// not nil.
func valid[T any](v T, checks ...error) (T, error) {
	for _, err := range checks {
		if err != nil {
			var zero T
			return zero, err
		}
	}
	return v, nil
}

// text is the value of an optional text field, "" when it is missing.
func text(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// CheckPathID refuses a body id that differs from the path's.
func CheckPathID(body *string, path string) error {
	if body != nil && *body != path {
		return respond.BadRequest("body id %q differs from path id %q", *body, path)
	}
	return nil
}
