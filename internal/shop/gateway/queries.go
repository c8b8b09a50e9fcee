package gateway

import (
	"net/http"

	"github.com/ordershop/functions/internal/shop/model"
)

func (g *Gateway) listCustomers(w http.ResponseWriter, r *http.Request) error {
	return list[model.Customer]{all: g.reads.Customers, page: g.reads.CustomersPage, cursors: g.cursors}.answer(w, r, g.catchUp)
}
func (g *Gateway) listProducts(w http.ResponseWriter, r *http.Request) error {
	return list[model.Product]{all: g.reads.Products, page: g.reads.ProductsPage, cursors: g.cursors}.answer(w, r, g.catchUp)
}
func (g *Gateway) listInventory(w http.ResponseWriter, r *http.Request) error {
	return list[model.Inventory]{all: g.reads.Inventories, page: g.reads.InventoriesPage, fill: g.liveStock, cursors: g.cursors}.answer(w, r, g.catchUpOrders)
}
func (g *Gateway) listOrders(w http.ResponseWriter, r *http.Request) error {
	return list[model.Order]{all: g.reads.Orders, page: g.reads.OrdersPage, cursors: g.cursors}.answer(w, r, g.catchUpOrders)
}
func (g *Gateway) unbilled(w http.ResponseWriter, r *http.Request) error {
	return list[model.Order]{all: g.reads.Unbilled, page: g.reads.UnbilledPage, cursors: g.cursors}.answer(w, r, g.catchUpOrders)
}
func (g *Gateway) listBillings(w http.ResponseWriter, r *http.Request) error {
	return list[model.Billing]{all: g.reads.Billings, page: g.reads.BillingsPage, cursors: g.cursors}.answer(w, r, g.catchUp)
}
func (g *Gateway) listMails(w http.ResponseWriter, r *http.Request) error {
	return list[model.Mail]{all: g.reads.Mails, page: g.reads.MailsPage, cursors: g.cursors}.answer(w, r, g.catchUp)
}

func (g *Gateway) getCustomer(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustCustomer(w, r, pathID(r))
	return writeFound(w, r, v, err)
}
func (g *Gateway) getProduct(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustProduct(w, r, pathID(r))
	return writeFound(w, r, v, err)
}
func (g *Gateway) getInventory(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustInventory(w, r, pathID(r))
	if err == nil {
		invs := []model.Inventory{v}
		err = g.liveStock(r.Context(), invs)
		v = invs[0]
	}
	return writeFound(w, r, v, err)
}
func (g *Gateway) getOrder(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustOrder(w, r, pathID(r))
	return writeFound(w, r, v, err)
}
func (g *Gateway) getBilling(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustBilling(w, r, pathID(r))
	return writeFound(w, r, v, err)
}

// Report is the answer of GET /report: everything the shop knows. An
// inventory entry's amount is its product's live stock; Stock is the same
// per product id (what accepted orders have not taken).
type Report struct {
	Customers []model.Customer  `json:"customers"`
	Products  []model.Product   `json:"products"`
	Inventory []model.Inventory `json:"inventory"`
	Orders    []model.Order     `json:"orders"`
	Unbilled  []model.Order     `json:"unbilled"`
	Billings  []model.Billing   `json:"billings"`
	Mails     []model.Mail      `json:"mails"`
	Stock     map[string]int64  `json:"stock"`
}

func (g *Gateway) report(w http.ResponseWriter, r *http.Request) error {
	if err := g.catchUpOrders(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	var rep Report
	var err error
	steps := []func() error{
		func() error { rep.Customers, err = g.reads.Customers(ctx); return err },
		func() error { rep.Products, err = g.reads.Products(ctx); return err },
		func() error { rep.Inventory, err = g.reads.Inventories(ctx); return err },
		func() error { return g.liveStock(ctx, rep.Inventory) },
		func() error { rep.Orders, err = g.reads.Orders(ctx); return err },
		func() error { rep.Unbilled, err = g.reads.Unbilled(ctx); return err },
		func() error { rep.Billings, err = g.reads.Billings(ctx); return err },
		func() error { rep.Mails, err = g.reads.Mails(ctx); return err },
		func() error { rep.Stock, err = g.stock.Levels(ctx); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
