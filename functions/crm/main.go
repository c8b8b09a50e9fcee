// Command crm sends welcome, good-bye and thank-you mails.
package main

import (
	"github.com/ordershop/functions/handlers/crm"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/shop/wire"
	"github.com/ordershop/functions/runtime"
)

func main() {
	runtime.Main(crm.Name, func(app *runtime.App) (runtime.Setup, error) {
		h := crm.New(readmodel.NewReader(app.Redis))
		streams := []string{model.Stream(model.AggCustomer), model.Stream(model.AggOrder)}
		return runtime.Setup{Functions: []runtime.Function{wire.Function(crm.Name, streams, h.Routes())}}, nil
	}, runtime.WithNames(model.RegistryKey, model.Namespace))
}
