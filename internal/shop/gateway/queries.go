package gateway

import (
	"net/http"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
)

// unbilled answers the accepted orders that are not paid.
func (g *Gateway) unbilled(w http.ResponseWriter, r *http.Request) error {
	l := list[model.Order]{all: g.reads.Unbilled, page: g.reads.UnbilledPage}
	return l.answer(w, r, g.cursors, g.catchUpOrders)
}

// listMails answers the mails sent.
func (g *Gateway) listMails(w http.ResponseWriter, r *http.Request) error {
	mails := g.reads.SentMails()
	return list[model.Mail]{all: mails.All, page: mails.Page}.answer(w, r, g.cursors, g.catchUp)
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
		func() error { rep.Customers, err = g.customers.list.all(ctx); return err },
		func() error { rep.Products, err = g.products.list.all(ctx); return err },
		func() error { rep.Inventory, err = g.inventory.list.all(ctx); return err },
		func() error { return g.liveStock(ctx, rep.Inventory) },
		func() error { rep.Orders, err = g.orders.list.all(ctx); return err },
		func() error { rep.Unbilled, err = g.reads.Unbilled(ctx); return err },
		func() error { rep.Billings, err = g.billings.list.all(ctx); return err },
		func() error { rep.Mails, err = g.reads.SentMails().All(ctx); return err },
		func() error { rep.Stock, err = g.stock.Levels(ctx); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return respond.WriteJSON(w, http.StatusOK, rep)
}
