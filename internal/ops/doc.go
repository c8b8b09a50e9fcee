// Package ops is the operator's view of a running OrderShop: the status of
// every function (consumer groups, lag, pending, retrying, dead), the
// dead-letter queues (list, show, replay, purge) and the event log (tail,
// one entity's history). The ordershop CLI and the gateway's /admin API
// are thin layers over it, so both answer the same way.
//
// Ops talks to Redis only through the runtime's published contract: the
// registry (runtime.ListFunctions), the dead-letter streams dlq:<function>
// (runtime.ParseDeadLetter), the retry queues (runtime.RetryQueue, read with
// asynq's Inspector) and runtime.Replay. It never runs handlers itself.
//
// Keys of its own: ReplayClaimKey, a short-lived marker per replayed
// dead-letter entry, so that two operators replaying the same entry at the
// same moment schedule it once.
package ops

import (
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// ErrNotFound is wrapped by errors about something that does not exist: an
// unknown function, a dead letter or stream that is not there, an entity
// without events. The CLI exits 3 on it, the admin API answers 404.
var ErrNotFound = errors.New("not found")

// ErrInvalid is wrapped by errors about a request that cannot be right: a
// malformed entry id, a selection with both ids and all, or neither. The
// CLI exits 2 on it, the admin API answers 400.
var ErrInvalid = errors.New("invalid request")

// Ops runs operator queries and actions against one Redis.
// It is safe for concurrent use.
type Ops struct {
	rdb         redis.UniversalClient
	registryKey string
}

// New returns an Ops on rdb that finds the functions in
// runtime.DefaultRegistryKey. The caller keeps ownership of rdb.
func New(rdb redis.UniversalClient) *Ops {
	return &Ops{rdb: rdb, registryKey: runtime.DefaultRegistryKey}
}

// WithRegistryKey makes o find the functions in key (their processes'
// runtime Config.RegistryKey) and returns o.
func (o *Ops) WithRegistryKey(key string) *Ops {
	o.registryKey = key
	return o
}
