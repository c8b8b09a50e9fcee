package shopfn_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime"
)

// TestBuild: every shop function builds, under its own name, on the
// partitioned families of the events it handles, ordered per entity.
func TestBuild(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = rdb.Close() })
	t.Setenv("SMTP_ADDR", "")
	app := &runtime.App{Redis: rdb, Logger: zap.NewNop()}
	want := map[string][]string{
		model.FunctionProjector: model.Streams(),
		model.FunctionInventory: {model.Stream(model.AggInventory), model.Stream(model.AggOrder)},
		model.FunctionBilling:   {model.Stream(model.AggOrder), model.Stream(model.AggBilling)},
		model.FunctionCRM:       {model.Stream(model.AggCustomer), model.Stream(model.AggOrder)},
		model.FunctionMailer:    {model.Stream(model.AggMail)},
	}
	for _, name := range model.Functions() {
		t.Run(name, func(t *testing.T) {
			fn, err := shopfn.Build(name, app)
			if err != nil {
				t.Fatal(err)
			}
			if fn.Name != name || fn.OrderingKey != model.FieldEntityID || !fn.Partitioned || len(fn.Types) == 0 {
				t.Errorf("function = %+v", fn)
			}
			if diff := cmp.Diff(want[name], fn.Streams); diff != "" {
				t.Errorf("streams (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := shopfn.Build("gateway", app); err == nil {
		t.Error("Build(gateway) succeeded; the gateway is no reaction")
	}
}
