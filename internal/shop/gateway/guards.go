package gateway

import (
	"net/http"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// Guard keys: set in the same atomic step as the event of a command that
// may be done once, so that two racing requests cannot both do it.

// deletedGuardKey marks an entity deleted: shop:guard:deleted:<agg>:<id>.
func deletedGuardKey(aggregate, id string) string {
	return "shop:guard:deleted:" + aggregate + ":" + id
}

// paidGuardKey marks an order paid: shop:guard:paid:<order id>.
func paidGuardKey(orderID string) string { return "shop:guard:paid:" + orderID }

// inventoryGuardKey marks a product as having its inventory entry:
// shop:guard:inventory:<product id>.
func inventoryGuardKey(productID string) string { return "shop:guard:inventory:" + productID }

func deletedGuard(aggregate, id string) eventstore.Guard {
	return eventstore.Guard{Key: deletedGuardKey(aggregate, id), Value: "1", Err: respond.NotFound(aggregate, id)}
}

func paidGuard(orderID, billingID string) eventstore.Guard {
	return eventstore.Guard{Key: paidGuardKey(orderID), Value: billingID,
		Err: respond.Errorf(http.StatusConflict, "order %s is paid already", orderID)}
}

func inventoryGuard(productID, inventoryID string) eventstore.Guard {
	return eventstore.Guard{Key: inventoryGuardKey(productID), Value: inventoryID,
		Err: respond.Errorf(http.StatusConflict, "product %s has an inventory entry already: change its amount with PUT /inventory/{id}", productID)}
}
