package gateway

import (
	"encoding/json"

	"github.com/ordershop/functions/internal/shop/model"
)

// The request bodies. Pointers tell a missing field from a zero one. A PUT
// body may carry every field a GET answered (the seed's client sends back
// what it read): "id" must then match the path; fields the server derives
// (an order's status, a billing's amount) are ignored. On POST "id" is
// ignored: the gateway makes the ids. A body's checks run in the order of
// its fields: the first that fails is the answer.

// bodyIDField is the "id" every body may carry, and its bodyID.
type bodyIDField struct {
	ID *string `json:"id"`
}

func (in bodyIDField) bodyID() *string { return in.ID }

type customerIn struct {
	bodyIDField
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

func (in customerIn) entity(id string) (model.Customer, error) {
	return valid(model.Customer{ID: id, Name: text(in.Name), Email: text(in.Email)},
		needText("name", in.Name, MaxNameLength), needEmail(in.Email))
}

type productIn struct {
	bodyIDField
	Name  *string          `json:"name"`
	Price *json.RawMessage `json:"price"`
}

func (in productIn) entity(id string) (model.Product, error) {
	price, err := wholeNumber("price", in.Price)
	return valid(model.Product{ID: id, Name: text(in.Name), Price: price}, needText("name", in.Name, MaxNameLength), err)
}

type inventoryIn struct {
	bodyIDField
	ProductID *string          `json:"product_id"`
	Amount    *json.RawMessage `json:"amount"`
}

func (in inventoryIn) entity(id string) (model.Inventory, error) {
	amount, err := wholeNumber("amount", in.Amount)
	return valid(model.Inventory{ID: id, ProductID: text(in.ProductID), Amount: amount}, needID("product_id", in.ProductID), err)
}

type orderIn struct {
	bodyIDField
	CustomerID *string  `json:"customer_id"`
	ProductIDs []string `json:"product_ids"`
	// Status, Reason and BillingID are what a GET answers; accepted and
	// ignored.
	Status    *string `json:"status"`
	Reason    *string `json:"reason"`
	BillingID *string `json:"billing_id"`
}

func (in orderIn) entity(id string) (model.Order, error) {
	return valid(model.Order{ID: id, CustomerID: text(in.CustomerID), ProductIDs: in.ProductIDs},
		needID("customer_id", in.CustomerID), checkProductIDs(in.ProductIDs))
}

type billingIn struct {
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
		return badRequest("field product_ids must list at least one product")
	}
	if len(ids) > MaxProductsPerOrder {
		return badRequest("field product_ids lists %d products; at most %d", len(ids), MaxProductsPerOrder)
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

// checkPathID refuses a body id that differs from the path's.
func checkPathID(body *string, path string) error {
	if body != nil && *body != path {
		return badRequest("body id %q differs from path id %q", *body, path)
	}
	return nil
}
