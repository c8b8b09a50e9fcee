package gateway

import (
	"encoding/json"

	"github.com/ordershop/functions/internal/shop/model"
)

// The request bodies. Pointers tell a missing field from a zero one. A PUT
// body may carry every field a GET answered (the seed's client sends back
// what it read): "id" must then match the path; fields the server derives
// (an order's status, a billing's amount) are ignored. On POST "id" is
// ignored: the gateway makes the ids.

type customerIn struct {
	ID    *string `json:"id"`
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

func (in customerIn) entity(id string) (model.Customer, error) {
	if err := needText("name", in.Name, MaxNameLength); err != nil {
		return model.Customer{}, err
	}
	if in.Email == nil {
		return model.Customer{}, badRequest("missing field email")
	}
	if err := checkEmail(*in.Email); err != nil {
		return model.Customer{}, err
	}
	return model.Customer{ID: id, Name: *in.Name, Email: *in.Email}, nil
}

type productIn struct {
	ID    *string          `json:"id"`
	Name  *string          `json:"name"`
	Price *json.RawMessage `json:"price"`
}

func (in productIn) entity(id string) (model.Product, error) {
	if err := needText("name", in.Name, MaxNameLength); err != nil {
		return model.Product{}, err
	}
	price, err := wholeNumber("price", in.Price)
	if err != nil {
		return model.Product{}, err
	}
	return model.Product{ID: id, Name: *in.Name, Price: price}, nil
}

type inventoryIn struct {
	ID        *string          `json:"id"`
	ProductID *string          `json:"product_id"`
	Amount    *json.RawMessage `json:"amount"`
}

func (in inventoryIn) entity(id string) (model.Inventory, error) {
	if err := needID("product_id", in.ProductID); err != nil {
		return model.Inventory{}, err
	}
	amount, err := wholeNumber("amount", in.Amount)
	if err != nil {
		return model.Inventory{}, err
	}
	return model.Inventory{ID: id, ProductID: *in.ProductID, Amount: amount}, nil
}

type orderIn struct {
	ID         *string  `json:"id"`
	CustomerID *string  `json:"customer_id"`
	ProductIDs []string `json:"product_ids"`
	// Status, Reason and BillingID are what a GET answers; accepted and
	// ignored.
	Status    *string `json:"status"`
	Reason    *string `json:"reason"`
	BillingID *string `json:"billing_id"`
}

func (in orderIn) entity(id string) (model.Order, error) {
	if err := needID("customer_id", in.CustomerID); err != nil {
		return model.Order{}, err
	}
	if len(in.ProductIDs) == 0 {
		return model.Order{}, badRequest("field product_ids must list at least one product")
	}
	if len(in.ProductIDs) > MaxProductsPerOrder {
		return model.Order{}, badRequest("field product_ids lists %d products; at most %d", len(in.ProductIDs), MaxProductsPerOrder)
	}
	for i := range in.ProductIDs {
		if err := checkText("product_ids", in.ProductIDs[i], MaxIDLength); err != nil {
			return model.Order{}, err
		}
	}
	return model.Order{ID: id, CustomerID: *in.CustomerID, ProductIDs: in.ProductIDs}, nil
}

type billingIn struct {
	ID      *string `json:"id"`
	OrderID *string `json:"order_id"`
	// CustomerID and Amount are what a GET answers; accepted and ignored
	// (the amount is the order's total).
	CustomerID *string          `json:"customer_id"`
	Amount     *json.RawMessage `json:"amount"`
}

// checkPathID refuses a body id that differs from the path's.
func checkPathID(body *string, path string) error {
	if body != nil && *body != path {
		return badRequest("body id %q differs from path id %q", *body, path)
	}
	return nil
}
