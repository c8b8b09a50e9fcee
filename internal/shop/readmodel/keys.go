// Package readmodel is the shop's query side in Redis, kept by the
// projector function and read by the gateway. Every entity is a JSON value
// in one hash per aggregate, so users can query it over RESP:
//
//	HGETALL shop:customers              every customer, id -> JSON
//	HGET shop:orders <id>               one order (without its status)
//	HGET {shop:orders}:status <id>      {"status":"accepted","reason":""}
//	HGET {shop:orders}:paid <id>        the billing id that paid it
//	ZRANGE {shop:orders}:ids - + BYLEX  order ids in id order (paging)
//
// Keys written together are in one Redis Cluster hash slot: an entity
// hash keeps its plain name (shop:orders), and the keys that go with it
// carry it as their hash tag ({shop:orders}:ids, {shop:orders}:status,
// {shop:orders}:tombstones), which hashes the same as the plain name. So
// every script and MULTI block of the Writer touches one slot.
//
// docs/data-model.md lists every key.
package readmodel

import "github.com/ordershop/functions/internal/shop/model"

// Key names of the read model.
const (
	// OrderStatusKey maps order id -> {"status","reason"} JSON; in the
	// slot of shop:orders.
	OrderStatusKey = "{shop:orders}:status"
	// OrderPaidKey maps order id -> id of the billing that paid it; in
	// the slot of shop:orders.
	OrderPaidKey = "{shop:orders}:paid"
	// MailsKey maps mail id -> the sent mail as JSON.
	MailsKey = "shop:mails"
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
// through them in id order: {shop:orders}:ids, {shop:mails}:ids, ... (in
// the hash's slot).
func IndexKey(hashKey string) string { return "{" + hashKey + "}:ids" }

// TombstonesKey is the set of the deleted entities of an aggregate, by
// id: late events for them are not projected. It is in the slot of the
// aggregate's entity hash: {shop:orders}:tombstones, ...
func TombstonesKey(aggregate string) string { return "{" + EntityKey(aggregate) + "}:tombstones" }

// indexed lists the hashes that have an IndexKey.
func indexed() []string {
	return []string{
		EntityKey(model.AggCustomer), EntityKey(model.AggProduct), EntityKey(model.AggInventory),
		EntityKey(model.AggOrder), EntityKey(model.AggBilling), MailsKey,
	}
}

// Keys lists every key of the read model (what Rebuild deletes).
func Keys() []string {
	keys := []string{OrderStatusKey, OrderPaidKey}
	for _, h := range indexed() {
		keys = append(keys, h, IndexKey(h))
	}
	for _, a := range model.Aggregates() {
		keys = append(keys, TombstonesKey(a))
	}
	return keys
}

// LegacyKeys are the read model's keys of before they were tied into hash
// slots (shop:orders:status, shop:orders:paid, shop:tombstones and the
// <hash>:ids indexes): Rebuild deletes them too, so that a rebuild after
// the upgrade leaves none behind.
func LegacyKeys() []string {
	keys := []string{"shop:orders:status", "shop:orders:paid", "shop:tombstones"}
	for _, h := range indexed() {
		keys = append(keys, h+":ids")
	}
	return keys
}
