package readmodel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// Writer changes the read model; the projector is its only user. Every
// write is idempotent, so a re-run event projects the same state.
type Writer struct {
	rdb redis.UniversalClient
}

// NewWriter returns a Writer on rdb.
func NewWriter(rdb redis.UniversalClient) *Writer { return &Writer{rdb: rdb} }

// putUnlessDeleted stores an entity and indexes its id, unless it was
// deleted.
//
// KEYS[1] the aggregate's entity hash; KEYS[2] its tombstone set;
// KEYS[3] the hash's id index (one slot: see TombstonesKey, IndexKey)
// ARGV[1] the entity id; ARGV[2] its JSON
// Returns 1 if stored, 0 if the entity is deleted.
var putUnlessDeleted = redis.NewScript(`
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return 1
`)

// setUnlessDeleted sets a field of a side hash unless the entity was
// deleted. The entity need not exist yet: after a failover the runtime may
// run a verdict before the order.created it reclaims later, and the
// verdict must not be lost.
//
// KEYS[1] the side hash (status, paid); KEYS[2] the aggregate's
// tombstone set (one slot)
// ARGV[1] the entity id; ARGV[2] the value
// Returns 1 if set, 0 if the entity is deleted.
var setUnlessDeleted = redis.NewScript(`
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// Put stores entity v of aggregate under id, unless the entity was deleted.
func (w *Writer) Put(ctx context.Context, aggregate, id string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("put %s %s: %w", aggregate, id, err)
	}
	keys := []string{EntityKey(aggregate), TombstonesKey(aggregate), IndexKey(EntityKey(aggregate))}
	if err := putUnlessDeleted.Run(ctx, w.rdb, keys, id, raw).Err(); err != nil {
		return fmt.Errorf("put %s %s: %w", aggregate, id, err)
	}
	return nil
}

// Delete removes an entity for good: it is tombstoned, so late events do
// not bring it back. One MULTI block, in the slot of the aggregate's
// entity hash.
func (w *Writer) Delete(ctx context.Context, aggregate, id string) error {
	_, err := w.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, TombstonesKey(aggregate), id)
		p.HDel(ctx, EntityKey(aggregate), id)
		p.ZRem(ctx, IndexKey(EntityKey(aggregate)), id)
		if aggregate == model.AggOrder {
			p.HDel(ctx, OrderStatusKey, id)
			p.HDel(ctx, OrderPaidKey, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", aggregate, id, err)
	}
	return nil
}

// orderStatus is the JSON stored in OrderStatusKey.
type orderStatus struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// SetOrderStatus records the inventory's verdict on an order that is not
// deleted.
func (w *Writer) SetOrderStatus(ctx context.Context, orderID, status, reason string) error {
	raw, _ := json.Marshal(orderStatus{Status: status, Reason: reason})
	keys := []string{OrderStatusKey, TombstonesKey(model.AggOrder)}
	if err := setUnlessDeleted.Run(ctx, w.rdb, keys, orderID, raw).Err(); err != nil {
		return fmt.Errorf("order %s status: %w", orderID, err)
	}
	return nil
}

// MarkPaid records that billingID paid an order that is not deleted.
func (w *Writer) MarkPaid(ctx context.Context, orderID, billingID string) error {
	keys := []string{OrderPaidKey, TombstonesKey(model.AggOrder)}
	if err := setUnlessDeleted.Run(ctx, w.rdb, keys, orderID, billingID).Err(); err != nil {
		return fmt.Errorf("order %s paid: %w", orderID, err)
	}
	return nil
}

// RecordMail records a sent mail under its id (once, however often it is
// recorded).
func (w *Writer) RecordMail(ctx context.Context, m model.Mail) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("record mail %s: %w", m.ID, err)
	}
	_, err = w.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, MailsKey, m.ID, raw)
		p.ZAdd(ctx, IndexKey(MailsKey), redis.Z{Member: m.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record mail %s: %w", m.ID, err)
	}
	return nil
}

// unpay removes an order's paid mark if billing ARGV[2] set it.
//
// KEYS[1] the paid hash; ARGV[1] the order id; ARGV[2] the billing id
// Returns 1 if removed, 0 if the order was not paid by that billing.
var unpay = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])
`)

// Unpay records that billingID no longer pays orderID (the payment was
// cancelled): the order is unpaid again, unless another billing paid it.
func (w *Writer) Unpay(ctx context.Context, orderID, billingID string) error {
	if err := unpay.Run(ctx, w.rdb, []string{OrderPaidKey}, orderID, billingID).Err(); err != nil {
		return fmt.Errorf("order %s unpaid: %w", orderID, err)
	}
	return nil
}
