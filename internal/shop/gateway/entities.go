package gateway

import (
	"github.com/ordershop/functions/internal/shop/gateway/input"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
)

// entities makes the gateway's five resources: each with its table in the
// read model, its body decoders and the checks its commands make. Orders
// and inventory are read after the inventory function caught up (their
// verdicts and stock), the others after the projector.
func (g *Gateway) entities() {
	customers := readmodel.Entities[model.Customer](g.reads, model.AggCustomer)
	g.customers = &resource[model.Customer]{g: g, kind: model.AggCustomer, location: "customers",
		catchUp: g.catchUp, read: customers.Get, list: list[model.Customer]{all: customers.All, page: customers.Page},
		decodeNew: input.DecodeNew[input.Customer], decodeReplacement: input.DecodeReplacement[input.Customer]}

	products := readmodel.Entities[model.Product](g.reads, model.AggProduct)
	g.products = &resource[model.Product]{g: g, kind: model.AggProduct, location: "products",
		catchUp: g.catchUp, read: products.Get, list: list[model.Product]{all: products.All, page: products.Page},
		decodeNew: input.DecodeNew[input.Product], decodeReplacement: input.DecodeReplacement[input.Product]}

	// The inventory's entries answer their product's live stock; a product
	// has one entry at most (inventoryGuard).
	inventory := readmodel.Entities[model.Inventory](g.reads, model.AggInventory)
	g.inventory = &resource[model.Inventory]{g: g, kind: model.AggInventory, location: "inventory",
		catchUp: g.catchUpOrders, read: inventory.Get,
		list:      list[model.Inventory]{all: inventory.All, page: inventory.Page, fill: g.liveStock},
		decodeNew: input.DecodeNew[input.Inventory], decodeReplacement: input.DecodeReplacement[input.Inventory],
		checkCreate: g.checkNewInventory, checkUpdate: g.checkInventoryUpdate, deleted: g.deletedInventory, place: g.placeInventory}

	// Orders are read with their status.
	g.orders = &resource[model.Order]{g: g, kind: model.AggOrder, location: "orders",
		catchUp: g.catchUpOrders, read: g.reads.Order, list: list[model.Order]{all: g.reads.Orders, page: g.reads.OrdersPage},
		decodeNew: input.DecodeNew[input.Order], decodeReplacement: input.DecodeReplacement[input.Order],
		checkCreate: g.checkNewOrders, checkUpdate: g.checkOrderUpdate, deleted: deletedOrder}

	// A billing's create and update are its own (createBilling,
	// updateBilling): the amount is the order's total.
	billings := readmodel.Entities[model.Billing](g.reads, model.AggBilling)
	g.billings = &resource[model.Billing]{g: g, kind: model.AggBilling, location: "billings",
		catchUp: g.catchUp, read: billings.Get, list: list[model.Billing]{all: billings.All, page: billings.Page},
		deleted: g.deletedBilling}
}
