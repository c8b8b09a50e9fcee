package shopkit

import "github.com/ordershop/functions/internal/shop/model"

// Gateway is the shop's HTTP edge: a process of the shop (functions/gateway)
// that consumes no stream, so it is not one of model.Functions().
const Gateway = "gateway"

// Processes returns every process of the shop, the gateway first and then
// model.Functions() in their order: the function lines of the Procfile and
// the directories under functions/ (tests/deploy checks both).
func Processes() []string {
	return append([]string{Gateway}, model.Functions()...)
}
