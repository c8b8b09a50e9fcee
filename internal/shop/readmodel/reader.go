package readmodel

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// Reader queries the read model.
type Reader struct {
	rdb redis.UniversalClient
}

// NewReader returns a Reader on rdb.
func NewReader(rdb redis.UniversalClient) *Reader { return &Reader{rdb: rdb} }

// Entities is the table of an aggregate's entities, typed T: model.Customer
// for model.AggCustomer, model.Product for model.AggProduct, and so on. An
// order read there has no status: Order, Orders and OrdersPage add it.
func Entities[T any](r *Reader, aggregate string) Table[T] {
	return Table[T]{rdb: r.rdb, key: EntityKey(aggregate)}
}

// SentMails is the table of sent mails, by mail id (a mail's sent_at says
// when it was sent).
func (r *Reader) SentMails() Table[model.Mail] { return Table[model.Mail]{rdb: r.rdb, key: MailsKey} }

// Customer returns one customer; ok is false for an unknown or deleted id.
func (r *Reader) Customer(ctx context.Context, id string) (model.Customer, bool, error) {
	return Entities[model.Customer](r, model.AggCustomer).Get(ctx, id)
}

// Product returns one product; ok is false for an unknown or deleted id.
func (r *Reader) Product(ctx context.Context, id string) (model.Product, bool, error) {
	return Entities[model.Product](r, model.AggProduct).Get(ctx, id)
}
