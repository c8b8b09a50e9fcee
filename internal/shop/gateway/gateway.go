// Package gateway is the shop's HTTP API: commands become events in the
// event log, queries read the projector's read model after waiting
// (bounded) until it has applied every event published before the query
// (read-your-writes). A command that is rejected writes nothing.
//
// Other packages can add routes beside the shop's with Mount (for example
// an /admin router), before the gateway serves.
//
// Its parts are packages of their own: respond (the JSON answers and
// errors), input (the request bodies and their limits), paging (the REST
// dialect's cursors) and idempotency (Idempotency-Key).
package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/idempotency"
	"github.com/ordershop/functions/internal/shop/gateway/input"
	"github.com/ordershop/functions/internal/shop/gateway/paging"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/shop/stock"
)

// Defaults of Config.
const (
	// DefaultWaitTimeout bounds a query's wait for the projector.
	DefaultWaitTimeout = 2 * time.Second
	// DefaultMaxBodyBytes is the largest request body (1 MiB); larger
	// answers 413.
	DefaultMaxBodyBytes = 1 << 20
)

// Observer is told about every request served (for metrics).
type Observer func(method, route string, status int, d time.Duration)

// Config wires a Gateway.
type Config struct {
	// Redis holds the event log, the read model and the stock.
	Redis redis.UniversalClient
	// Logger gets one line per request.
	Logger *zap.Logger
	// WaitTimeout bounds read-your-writes waits; 0 means DefaultWaitTimeout.
	// When the projector does not catch up in time the query answers from
	// the read model as it is, with the header X-Read-Stale: true.
	WaitTimeout time.Duration
	// MaxBodyBytes caps request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// IdempotencyTTL is how long an Idempotency-Key is remembered; 0 means
	// idempotency.DefaultTTL.
	IdempotencyTTL time.Duration
	// Observe, if set, is called after every request.
	Observe Observer
	// Partitions is the partition count an event log family gets when the
	// gateway is the first to open it (the runtime's Config.Partitions,
	// PARTITIONS); 0 means partition.DefaultCount. A family keeps the
	// count it was created with.
	Partitions int
	// Replication, when Replicas is above 0, makes every write of a
	// command wait (WAIT, on its connection) until that many replicas of
	// its master have it, up to Timeout (the runtime's
	// Config.CommitReplicas and CommitReplicasTimeout: COMMIT_REPLICAS,
	// COMMIT_REPLICAS_TIMEOUT). A command still short then is written but
	// answered 503: retry it with the same Idempotency-Key.
	Replication eventstore.Replication
}

// Gateway is the shop API, an http.Handler.
type Gateway struct {
	cfg    Config
	router chi.Router
	// log is the partitioned event log, its families opened by Ready
	// (and on first use).
	log    *model.Log
	events *eventstore.Store
	reads  *readmodel.Reader
	stock  *stock.Store
	// cursors signs the paging cursors of the REST dialect.
	cursors *paging.Cursors
	// keys does commands with an Idempotency-Key once.
	keys *idempotency.Keys
	// clustered is true on a Redis Cluster: new ids are placed by
	// partition (placement.go).
	clustered bool
	// The entities of the API (entities.go).
	customers *resource[model.Customer]
	products  *resource[model.Product]
	inventory *resource[model.Inventory]
	orders    *resource[model.Order]
	billings  *resource[model.Billing]
}

// New builds the gateway and its routes.
func New(cfg Config) *Gateway {
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = DefaultWaitTimeout
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = idempotency.DefaultTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	log := model.NewLog(cfg.Redis, cfg.Partitions)
	events := eventstore.New(cfg.Redis, log, eventstore.WithReplication(cfg.Replication))
	g := &Gateway{
		cfg: cfg, router: chi.NewRouter(), log: log,
		events: events, reads: readmodel.NewReader(cfg.Redis), stock: stock.New(cfg.Redis),
		cursors: paging.NewCursors(cfg.Redis), keys: idempotency.New(cfg.Redis, events, cfg.IdempotencyTTL, cfg.Partitions),
	}
	_, g.clustered = cfg.Redis.(*redis.ClusterClient)
	g.entities()
	g.router.Use(middleware.RequestID, logRequests(cfg.Logger, cfg.Observe), recoverPanics(cfg.Logger), input.LimitBody(cfg.MaxBodyBytes))
	g.router.NotFound(func(w http.ResponseWriter, r *http.Request) {
		respond.WriteError(w, respond.Errorf(http.StatusNotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	g.router.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		respond.WriteError(w, respond.Errorf(http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path))
	})
	g.routes()
	return g
}

// Mount serves h under pattern (e.g. "/admin") with the gateway's
// middleware (request id, logs, body limit). Call it before serving.
func (g *Gateway) Mount(pattern string, h http.Handler) { g.router.Mount(pattern, h) }

// ServeHTTP serves the shop API.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.router.ServeHTTP(w, r) }

// Ready reports whether Redis answers and the event log's families are
// open (for /readyz): the first call that reaches Redis opens them
// (creating those that do not exist with Config.Partitions partitions).
func (g *Gateway) Ready(ctx context.Context) error {
	if err := g.cfg.Redis.Ping(ctx).Err(); err != nil {
		return err
	}
	_, err := g.log.Families(ctx)
	return err
}

// routes serves the shop API twice: at the seed's paths in the seed's
// dialect, and under RESTPrefix in the REST dialect.
func (g *Gateway) routes() {
	g.router.Group(func(r chi.Router) {
		r.Use(withDialect(seedDialect))
		g.shopRoutes(r)
	})
	g.router.Route(RESTPrefix, func(r chi.Router) {
		r.Use(withDialect(restDialect))
		g.shopRoutes(r)
	})
}

// shopRoutes registers every route of the shop on r. Each entity answers at
// its singular and its plural path; commands take an Idempotency-Key.
func (g *Gateway) shopRoutes(r chi.Router) {
	billings := g.billings.handlers()
	billings.create, billings.update = g.createBilling, g.updateBilling
	for _, e := range []struct {
		singular, plural string
		h                entityHandlers
	}{
		{"customer", "customers", g.customers.handlers()},
		{"product", "products", g.products.handlers()},
		{"order", "orders", g.orders.handlers()},
		{"inventory", "inventories", g.inventory.handlers()},
		{"billing", "billings", billings},
	} {
		for _, base := range []string{"/" + e.singular, "/" + e.plural} {
			r.Post(base, g.handle(g.keys.Wrap(e.h.create)))
			r.Get(base+"/{id}", g.handle(e.h.get))
			r.Put(base+"/{id}", g.handle(g.keys.Wrap(e.h.update)))
			r.Delete(base+"/{id}", g.handle(g.keys.Wrap(e.h.delete)))
		}
		r.Get("/"+e.plural, g.handle(e.h.list))
	}
	r.Get("/inventory", g.handle(g.inventory.listAll))
	r.Get("/orders/unbilled", g.handle(g.unbilled))
	r.Get("/report", g.handle(g.report))
	r.Get("/mails", g.handle(g.listMails))
}

// handle answers a respond.Handler's error as JSON; errors that are not a
// *respond.Error are logged and answered 500 (503 for Redis unreachable).
func (g *Gateway) handle(h respond.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae *respond.Error
		if !errors.As(err, &ae) {
			g.cfg.Logger.Error("request failed", zap.String("path", r.URL.Path),
				zap.String("request_id", middleware.GetReqID(r.Context())), zap.Error(err))
		}
		respond.WriteError(w, err)
	}
}
