// Command gateway serves the shop API on $PORT, beside /healthz, /readyz
// and /metrics, and the operator API under /admin when ADMIN_TOKEN is set.
package main

import (
	"strconv"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/admin"
	"github.com/ordershop/functions/runtime/ops"
)

func main() {
	runtime.Main("gateway", func(app *runtime.App) (runtime.Setup, error) {
		requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ordershop_http_request_duration_seconds", Help: "Shop API requests by method, route and status.",
		}, []string{"method", "route", "status"})
		if err := app.Metrics.Registry.Register(requests); err != nil {
			return runtime.Setup{}, err
		}
		gw := gateway.New(gateway.Config{
			Redis: app.Redis, Logger: app.Logger.Named("http"),
			Observe: func(method, route string, status int, d time.Duration) {
				requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
			},
		})
		var adminCfg struct {
			Token string `env:"ADMIN_TOKEN"` // unset: no /admin API
		}
		if err := env.Parse(&adminCfg); err != nil {
			return runtime.Setup{}, err
		}
		conventions := shopfn.Conventions
		conventions.RegistryKey = app.Config.RegistryKey // REGISTRY_KEY, if set, wins over the shop's
		gw.Mount(admin.Prefix, admin.New(admin.Config{
			Ops:   ops.New(app.Redis, conventions),
			Token: adminCfg.Token, Logger: app.Logger.Named("admin"), Realm: "ordershop-admin",
		}))
		return runtime.Setup{HTTP: gw, Ready: gw.Ready}, nil
	}, shopfn.Names)
}
