// Package readmodel is the shop's query side in Redis, kept by the
// projector function and read by the gateway. Every entity is a JSON value
// in one hash per aggregate, so users can query it over RESP:
//
//	HGETALL shop:customers              every customer, id -> JSON
//	HGET shop:orders <id>               one order (without its status)
//	HGET shop:orders:status <id>        {"status":"accepted","reason":""}
//	HGET shop:orders:paid <id>          the billing id that paid it
//	ZRANGE shop:orders:ids - + BYLEX    order ids in id order (paging)
//
// docs/data-model.md lists every key.
package readmodel

import "github.com/ordershop/functions/internal/shop/model"

// Key names of the read model.
const (
	// OrderStatusKey maps order id -> {"status","reason"} JSON.
	OrderStatusKey = "shop:orders:status"
	// OrderPaidKey maps order id -> id of the billing that paid it.
	OrderPaidKey = "shop:orders:paid"
	// MailsKey maps mail id -> the sent mail as JSON.
	MailsKey = "shop:mails"
	// TombstonesKey is the set of deleted entities, "<aggregate>:<id>":
	// late events for them are not projected.
	TombstonesKey = "shop:tombstones"
)

// EntityKey is the hash of an aggregate's entities, id -> JSON:
// shop:customers, shop:products, shop:inventory, shop:orders,
// shop:billings.
func EntityKey(aggregate string) string {
	if aggregate == model.AggInventory {
		return "shop:inventory"
	}
	return "shop:" + aggregate + "s"
}

// IndexKey is the sorted set of the ids in a hash of the read model (an
// entity hash or MailsKey), every score 0, so that ZRANGE BYLEX pages
// through them in id order: shop:orders:ids, shop:mails:ids, ...
func IndexKey(hashKey string) string { return hashKey + ":ids" }

// indexed lists the hashes that have an IndexKey.
func indexed() []string {
	return []string{
		EntityKey(model.AggCustomer), EntityKey(model.AggProduct), EntityKey(model.AggInventory),
		EntityKey(model.AggOrder), EntityKey(model.AggBilling), MailsKey,
	}
}

// Keys lists every key of the read model (what Rebuild deletes).
func Keys() []string {
	keys := []string{OrderStatusKey, OrderPaidKey, TombstonesKey}
	for _, h := range indexed() {
		keys = append(keys, h, IndexKey(h))
	}
	return keys
}

func tombstone(aggregate, id string) string { return aggregate + ":" + id }
