// Command inventory keeps the stock and accepts or rejects orders.
package main

import (
	"github.com/ordershop/functions/handlers/inventory"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/shop/wire"
	"github.com/ordershop/functions/runtime"
)

func main() {
	runtime.Main(inventory.Name, func(app *runtime.App) (runtime.Setup, error) {
		h := inventory.New(stock.New(app.Redis))
		streams := []string{model.Stream(model.AggInventory), model.Stream(model.AggOrder)}
		return runtime.Setup{Functions: []runtime.Function{wire.Function(inventory.Name, streams, h.Routes())}}, nil
	}, runtime.WithNames(model.RegistryKey, model.Namespace))
}
