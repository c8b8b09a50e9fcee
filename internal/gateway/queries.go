package gateway

import (
	"context"
	"net/http"

	"github.com/ordershop/functions/internal/shop/model"
)

// answerList catches up with the projector and answers list's result.
func answerList[T any](g *Gateway, w http.ResponseWriter, r *http.Request, list func(context.Context) ([]T, error)) error {
	if err := g.catchUp(w, r); err != nil {
		return err
	}
	v, err := list(r.Context())
	if err != nil {
		return err
	}
	if v == nil {
		v = []T{}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// answerOne answers an entity found by must.
func answerOne[T any](w http.ResponseWriter, v T, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (g *Gateway) listCustomers(w http.ResponseWriter, r *http.Request) error {
	return answerList(g, w, r, g.reads.Customers)
}
func (g *Gateway) listProducts(w http.ResponseWriter, r *http.Request) error {
	return answerList(g, w, r, g.reads.Products)
}
func (g *Gateway) listInventory(w http.ResponseWriter, r *http.Request) error {
	return answerList(g, w, r, g.reads.Inventories)
}
func (g *Gateway) listOrders(w http.ResponseWriter, r *http.Request) error {
	return answerList(g, w, r, g.reads.Orders)
}
func (g *Gateway) listBillings(w http.ResponseWriter, r *http.Request) error {
	return answerList(g, w, r, g.reads.Billings)
}
func (g *Gateway) listMails(w http.ResponseWriter, r *http.Request) error {
	return answerList(g, w, r, g.reads.Mails)
}

func (g *Gateway) getCustomer(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustCustomer(w, r, pathID(r))
	return answerOne(w, v, err)
}
func (g *Gateway) getProduct(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustProduct(w, r, pathID(r))
	return answerOne(w, v, err)
}
func (g *Gateway) getInventory(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustInventory(w, r, pathID(r))
	return answerOne(w, v, err)
}
func (g *Gateway) getOrder(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustOrder(w, r, pathID(r))
	return answerOne(w, v, err)
}
func (g *Gateway) getBilling(w http.ResponseWriter, r *http.Request) error {
	v, err := g.mustBilling(w, r, pathID(r))
	return answerOne(w, v, err)
}

// Report is the answer of GET /report: everything the shop knows. Stock is
// the available units per product (what accepted orders have not taken).
type Report struct {
	Customers []model.Customer  `json:"customers"`
	Products  []model.Product   `json:"products"`
	Inventory []model.Inventory `json:"inventory"`
	Orders    []model.Order     `json:"orders"`
	Unbilled  []model.Order     `json:"unbilled"`
	Billings  []model.Billing   `json:"billings"`
	Mails     []model.Mail      `json:"mails"`
	Stock     map[string]int    `json:"stock"`
}

func (g *Gateway) report(w http.ResponseWriter, r *http.Request) error {
	if err := g.catchUp(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	var rep Report
	var err error
	steps := []func() error{
		func() error { rep.Customers, err = g.reads.Customers(ctx); return err },
		func() error { rep.Products, err = g.reads.Products(ctx); return err },
		func() error { rep.Inventory, err = g.reads.Inventories(ctx); return err },
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
