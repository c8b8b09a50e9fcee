package inspect_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// srv is the Redis every test of the package shares (names of their own:
// opstest.Unique).
var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }

// newRedis is the prologue of most tests: a client of the shared Redis
// and a context.
func newRedis(t *testing.T) (redis.UniversalClient, context.Context) {
	return srv.Client(t), context.Background()
}

// brokenBilling starts a new billing function, broken (opstest.StartBroken),
// on a new order stream.
func brokenBilling(t *testing.T) (rdb redis.UniversalClient, ctx context.Context, fn, stream string, sw *opstest.Switch) {
	t.Helper()
	rdb, ctx = newRedis(t)
	fn, stream = opstest.Unique("billing"), opstest.Unique("events:order")
	return rdb, ctx, fn, stream, opstest.StartBroken(t, rdb, fn, stream)
}

// seededDeadLetter seeds one dead letter, of entry 1-1 and event eventID,
// of a new function named after name, from a new stream events:<name>.
func seededDeadLetter(t *testing.T, name, eventID string) (rdb redis.UniversalClient, ctx context.Context, stream, fn, id string) {
	t.Helper()
	rdb, ctx = newRedis(t)
	stream, fn = opstest.Unique("events:"+name), opstest.Unique(name)
	id = opstest.Seed(t, rdb, fn, opstest.DeadLetter{Stream: stream, EntryID: "1-1", Type: "t",
		EventID: eventID, Data: "{}", Error: "x", Attempts: 1, Failed: time.Now()})
	return rdb, ctx, stream, fn, id
}
