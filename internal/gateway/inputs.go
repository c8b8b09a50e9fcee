package gateway

import (
	"strings"

	"github.com/ordershop/functions/internal/shop/model"
)

// The request bodies. Pointers tell a missing field from a zero one; an
// "id" is accepted on PUT (it must match the path) and ignored on POST,
// where the gateway makes the ids.

type customerIn struct {
	ID    *string `json:"id"`
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

func (in customerIn) entity(id string) (model.Customer, error) {
	if err := needString("name", in.Name); err != nil {
		return model.Customer{}, err
	}
	if err := needString("email", in.Email); err != nil {
		return model.Customer{}, err
	}
	if !strings.Contains(*in.Email, "@") {
		return model.Customer{}, badRequest("field email: %q is not an address", *in.Email)
	}
	return model.Customer{ID: id, Name: *in.Name, Email: *in.Email}, nil
}

type productIn struct {
	ID    *string  `json:"id"`
	Name  *string  `json:"name"`
	Price *float64 `json:"price"`
}

func (in productIn) entity(id string) (model.Product, error) {
	if err := needString("name", in.Name); err != nil {
		return model.Product{}, err
	}
	if in.Price == nil {
		return model.Product{}, badRequest("missing field price")
	}
	if *in.Price < 0 {
		return model.Product{}, badRequest("field price must not be negative")
	}
	return model.Product{ID: id, Name: *in.Name, Price: *in.Price}, nil
}

type inventoryIn struct {
	ID        *string `json:"id"`
	ProductID *string `json:"product_id"`
	Amount    *int    `json:"amount"`
}

func (in inventoryIn) entity(id string) (model.Inventory, error) {
	if err := needString("product_id", in.ProductID); err != nil {
		return model.Inventory{}, err
	}
	if in.Amount == nil {
		return model.Inventory{}, badRequest("missing field amount")
	}
	if *in.Amount < 0 {
		return model.Inventory{}, badRequest("field amount must not be negative")
	}
	return model.Inventory{ID: id, ProductID: *in.ProductID, Amount: *in.Amount}, nil
}

type orderIn struct {
	ID         *string  `json:"id"`
	CustomerID *string  `json:"customer_id"`
	ProductIDs []string `json:"product_ids"`
	// Status is accepted (the gateway's own answers carry it) and ignored.
	Status *string `json:"status"`
}

func (in orderIn) entity(id string) (model.Order, error) {
	if err := needString("customer_id", in.CustomerID); err != nil {
		return model.Order{}, err
	}
	if len(in.ProductIDs) == 0 {
		return model.Order{}, badRequest("field product_ids must list at least one product")
	}
	for _, p := range in.ProductIDs {
		if p == "" {
			return model.Order{}, badRequest("field product_ids holds an empty id")
		}
	}
	return model.Order{ID: id, CustomerID: *in.CustomerID, ProductIDs: in.ProductIDs}, nil
}

type billingIn struct {
	OrderID *string `json:"order_id"`
}

func needString(field string, v *string) error {
	if v == nil {
		return badRequest("missing field %s", field)
	}
	if strings.TrimSpace(*v) == "" {
		return badRequest("field %s must not be empty", field)
	}
	return nil
}

// checkPathID refuses a body id that differs from the path's.
func checkPathID(body *string, path string) error {
	if body != nil && *body != path {
		return badRequest("body id %q differs from path id %q", *body, path)
	}
	return nil
}
