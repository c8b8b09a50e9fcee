// Command billing requests payment for accepted orders and confirms
// recorded payments.
package main

import (
	"github.com/ordershop/functions/handlers/billing"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/shop/wire"
	"github.com/ordershop/functions/runtime"
)

func main() {
	runtime.Main(billing.Name, func(app *runtime.App) (runtime.Setup, error) {
		h := billing.New(readmodel.NewReader(app.Redis))
		streams := []string{model.Stream(model.AggOrder), model.Stream(model.AggBilling)}
		return runtime.Setup{Functions: []runtime.Function{wire.Function(billing.Name, streams, h.Routes())}}, nil
	}, runtime.WithNames(model.RegistryKey, model.Namespace))
}
