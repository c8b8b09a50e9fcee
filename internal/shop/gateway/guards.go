package gateway

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime/partition"
)

// Guard keys: set in the same atomic step as the event of a command that
// may be done once, so that two racing requests cannot both do it. Each
// is in the hash slot of the partition of the entity it guards (the tag
// {p<p>}), where that entity's events are: on a Redis Cluster a command
// about one entity is one script in one slot.

// DeletedGuardKey marks entity id of aggregate, in partition p of the
// aggregate's family, deleted: shop:guard:deleted:{p<p>}:<agg>:<id>.
func DeletedGuardKey(p int, aggregate, id string) string {
	return "shop:guard:deleted:" + partition.Tag(p) + ":" + aggregate + ":" + id
}

// PaidGuardKey marks an order of partition p paid (its value is the
// billing's id): shop:guard:paid:{p<p>}:<order id>.
func PaidGuardKey(p int, orderID string) string {
	return "shop:guard:paid:" + partition.Tag(p) + ":" + orderID
}

// InventoryGuardKey marks a product of partition p as having its
// inventory entry (its value is the entry's id):
// shop:guard:inventory:{p<p>}:<product id>.
func InventoryGuardKey(p int, productID string) string {
	return "shop:guard:inventory:" + partition.Tag(p) + ":" + productID
}

func (g *Gateway) deletedGuardKey(ctx context.Context, aggregate, id string) (string, error) {
	p, err := g.partitionOf(ctx, aggregate, id)
	return DeletedGuardKey(p, aggregate, id), err
}

func (g *Gateway) paidGuardKey(ctx context.Context, orderID string) (string, error) {
	p, err := g.partitionOf(ctx, model.AggOrder, orderID)
	return PaidGuardKey(p, orderID), err
}

func (g *Gateway) inventoryGuardKey(ctx context.Context, productID string) (string, error) {
	p, err := g.partitionOf(ctx, model.AggProduct, productID)
	return InventoryGuardKey(p, productID), err
}

// deletedGuard's value is unique to the deleting command, so that a
// command done in steps on a Redis Cluster knows its own guard
// (eventstore's split commits).
func (g *Gateway) deletedGuard(ctx context.Context, aggregate, id string) (eventstore.Guard, error) {
	key, err := g.deletedGuardKey(ctx, aggregate, id)
	return eventstore.Guard{Key: key, Value: uuid.NewString(), Err: respond.NotFound(aggregate, id)}, err
}

func (g *Gateway) paidGuard(ctx context.Context, orderID, billingID string) (eventstore.Guard, error) {
	key, err := g.paidGuardKey(ctx, orderID)
	return eventstore.Guard{Key: key, Value: billingID,
		Err: respond.Errorf(http.StatusConflict, "order %s is paid already", orderID)}, err
}

func (g *Gateway) inventoryGuard(ctx context.Context, productID, inventoryID string) (eventstore.Guard, error) {
	key, err := g.inventoryGuardKey(ctx, productID)
	return eventstore.Guard{Key: key, Value: inventoryID,
		Err: respond.Errorf(http.StatusConflict, "product %s has an inventory entry already: change its amount with PUT /inventory/{id}", productID)}, err
}
