// Package shopfn builds the shop's reaction functions for their processes
// (functions/<name>): each on what it reads and writes — the read model,
// the stock, a mail sender — from the process's Redis and environment.
package shopfn

import (
	"fmt"

	"github.com/ordershop/functions/handlers/billing"
	"github.com/ordershop/functions/handlers/crm"
	"github.com/ordershop/functions/handlers/inventory"
	"github.com/ordershop/functions/handlers/mailer"
	"github.com/ordershop/functions/handlers/projector"
	"github.com/ordershop/functions/internal/shop/mail"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/runtime"
)

// Main is the whole main of the process of the shop function name (one of
// model.Functions, except the gateway): runtime.Main running that one
// function.
func Main(name string) {
	runtime.Main(name, func(app *runtime.App) (runtime.Setup, error) {
		fn, err := Build(name, app)
		return runtime.Setup{Functions: []runtime.Function{fn}}, err
	}, Names)
}

// Build builds the shop function name on app's Redis and environment. A
// reaction that emits events writes them to its entities' partitions of
// the event log (model.Log), whose families a process creates with
// app.Config.Partitions partitions if they do not exist yet.
func Build(name string, app *runtime.App) (runtime.Function, error) {
	log := model.NewLog(app.Redis, app.Config.Partitions)
	switch name {
	case model.FunctionProjector:
		return projector.New(readmodel.NewWriter(app.Redis)).Function(), nil
	case model.FunctionInventory:
		return inventory.Function(stock.New(app.Redis), log), nil
	case model.FunctionBilling:
		return billing.Function(readmodel.NewReader(app.Redis), log), nil
	case model.FunctionCRM:
		return crm.Function(readmodel.NewReader(app.Redis), log), nil
	case model.FunctionMailer:
		sender, err := mail.FromEnv(app.Logger)
		if err != nil {
			return runtime.Function{}, fmt.Errorf("%s: %w", name, err)
		}
		return mailer.Function(sender, nil, log), nil
	}
	return runtime.Function{}, fmt.Errorf("no shop function %q", name)
}
