package model

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// ErrTotalTooLarge is returned by Total when an order's total does not fit
// an int64.
var ErrTotalTooLarge = errors.New("order total exceeds 9223372036854775807")

// Products looks products up (the read model).
type Products interface {
	// Product returns a product; ok is false for an unknown or deleted id.
	Product(ctx context.Context, id string) (p Product, ok bool, err error)
}

// Total sums the prices of the products of an order, a product listed
// twice counting twice. A product not found is an error (the read model
// may lag: worth a retry); a total past int64 is ErrTotalTooLarge.
func Total(ctx context.Context, products Products, productIDs []string) (int64, error) {
	var total int64
	for _, id := range productIDs {
		p, ok, err := products.Product(ctx, id)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("price of product %s: not found", id)
		}
		if p.Price > math.MaxInt64-total {
			return 0, ErrTotalTooLarge
		}
		total += p.Price
	}
	return total, nil
}
