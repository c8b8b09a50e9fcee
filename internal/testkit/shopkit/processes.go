package shopkit

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ordershop/functions/internal/shop/model"
)

// Gateway is the shop's HTTP edge: a process of the shop (functions/gateway)
// that consumes no stream, so it is not one of model.Functions().
const Gateway = "gateway"

// Processes returns every process of the shop, the gateway first and then
// model.Functions() in their order: one instance of each, the binaries
// under functions/ (tests/deploy checks both). Scaled(2) is the
// Procfile's list.
func Processes() []string {
	return append([]string{Gateway}, model.Functions()...)
}

// Ordered returns the shop's ordered functions: those whose instances
// own partitions (a partitioned family and an ordering key), the ones a
// shop runs more instances of.
func Ordered() []string { return []string{model.FunctionProjector, model.FunctionInventory} }

// Instance is the process name of instance n (from 1) of function fn: fn
// for the first, then fn<n> ("projector2"), as the Procfile names them.
func Instance(fn string, n int) string {
	if n <= 1 {
		return fn
	}
	return fn + strconv.Itoa(n)
}

// BinaryOf is the binary (the function) a process name runs:
// "projector2" runs projector.
func BinaryOf(process string) string {
	for _, fn := range Ordered() {
		if rest, ok := strings.CutPrefix(process, fn); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return fn
		}
	}
	return process
}

// Scaled returns Processes with n instances of each ordered function,
// each right after the one before it: Scaled(2) is gateway, projector,
// projector2, inventory, inventory2, billing, crm, mailer (the Procfile's
// function lines, in order).
func Scaled(n int) []string {
	var out []string
	for _, p := range Processes() {
		out = append(out, p)
		if slices.Contains(Ordered(), p) {
			for i := 2; i <= n; i++ {
				out = append(out, Instance(p, i))
			}
		}
	}
	return out
}
