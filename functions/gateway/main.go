// Command gateway serves the shop API on $PORT, beside /healthz, /readyz
// and /metrics, and, when ADMIN_TOKEN is set, the operator API under
// /admin and the dashboard under /admin/ui.
package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/admin"
	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops"
)

// DashboardPrefix is where the gateway serves the operators' dashboard
// when ADMIN_TOKEN is set.
const DashboardPrefix = "/admin/ui"

func main() {
	runtime.Main("gateway", func(app *runtime.App) (runtime.Setup, error) {
		requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ordershop_http_request_duration_seconds", Help: "Shop API requests by method, route and status.",
		}, []string{"method", "route", "status"})
		if err := app.Metrics.Registry.Register(requests); err != nil {
			return runtime.Setup{}, err
		}
		gw := gateway.New(gateway.Config{
			Redis: app.Redis, Logger: app.Logger.Named("http"), Partitions: app.Config.Partitions,
			// COMMIT_REPLICAS / COMMIT_REPLICAS_TIMEOUT, as for the functions' commits
			Replication: eventstore.Replication{Replicas: app.Config.CommitReplicas, Timeout: app.Config.CommitReplicasTimeout},
			Observe: func(method, route string, status int, d time.Duration) {
				requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
			},
		})
		var adminCfg struct {
			Token         string `env:"ADMIN_TOKEN"`          // unset: no /admin API and no dashboard
			ReadOnlyToken string `env:"ADMIN_READONLY_TOKEN"` // optional: dashboard sessions without replay and purge
			// SampleEvery is how often the dashboard samples every function's
			// lag and throughput for its chart (0: the dashboard's 10 s).
			SampleEvery time.Duration `env:"DASHBOARD_SAMPLE_EVERY"`
		}
		if err := env.Parse(&adminCfg); err != nil {
			return runtime.Setup{}, err
		}
		conventions := shopfn.Conventions
		conventions.RegistryKey = app.Config.RegistryKey // REGISTRY_KEY, if set, wins over the shop's
		operator := ops.New(app.Redis, conventions)
		gw.Mount(admin.Prefix, admin.New(admin.Config{
			Ops:   operator,
			Token: adminCfg.Token, Logger: app.Logger.Named("admin"), Realm: "ordershop-admin",
		}))
		var stopping func()
		var background func(context.Context) error
		if adminCfg.Token != "" {
			ui, err := dashboard.New(dashboard.Config{
				Ops: operator, Token: adminCfg.Token, ReadOnlyToken: adminCfg.ReadOnlyToken,
				Prefix: DashboardPrefix, Title: "OrderShop", Logger: app.Logger.Named("dashboard"),
				KeyPrefix:   model.DashboardKeyPrefix, // jobs, logouts and history shared with `ordershop dashboard`
				SampleEvery: adminCfg.SampleEvery,
			})
			if err != nil {
				return runtime.Setup{}, fmt.Errorf("dashboard: %w", err)
			}
			gw.Mount(DashboardPrefix, ui)
			// On SIGTERM its live streams end and its running jobs are
			// recorded as interrupted (resumable), before HTTP drains.
			stopping = func() { _ = ui.Close() }
			background = ui.Run // the history the overview charts
		}
		return runtime.Setup{HTTP: gw, Ready: gw.Ready, Stopping: stopping, Background: background}, nil
	}, shopfn.Names)
}
