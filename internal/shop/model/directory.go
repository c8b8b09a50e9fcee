package model

import "context"

// Directory looks customers and products up (the read model's Reader):
// what the billing and crm reactions read.
type Directory interface {
	// Customer returns a customer; ok is false for an unknown or deleted id.
	Customer(ctx context.Context, id string) (c Customer, ok bool, err error)
	Products
}
