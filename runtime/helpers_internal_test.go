package runtime

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// The helpers of the internal tests (package runtime).

// startRedis starts a throwaway server for one internal test.
func startRedis(t testing.TB, args ...string) (*redistest.Server, *redis.Client) {
	t.Helper()
	s, err := redistest.Start(redistest.Options{Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	client := redis.NewClient(s.Options())
	t.Cleanup(func() { _ = client.Close() })
	return s, client
}

// doneShards is the number of hashes per idempotency window.
const doneShards = rdb.Shards

// newDoneRecords returns the idempotency records of function.
func newDoneRecords(client redis.UniversalClient, function string, ttl time.Duration) *rdb.Records {
	return rdb.New(client).NewRecords(function, ttl)
}

// recordField is the hash field that records eventID.
func recordField(eventID string) string { return rdb.RecordField(eventID) }

// testCommitter returns an unstarted committer of records' function as
// consumer; tests call its exec and write.
func testCommitter(records *rdb.Records, consumer string) *committer {
	return newCommitter(committerParams{logger: zap.NewNop(), consumer: consumer, records: records})
}
