package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/engine/commit"
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

// refs names events ids of stream for a records lookup.
func refs(stream string, ids ...string) []rdb.Ref {
	out := make([]rdb.Ref, len(ids))
	for i, id := range ids {
		out[i] = rdb.Ref{Stream: stream, EventID: id}
	}
	return out
}

// recordField is the hash field that records eventID.
func recordField(eventID string) string { return rdb.RecordField(eventID) }

// testCommitter returns an unstarted committer (internal/engine/commit)
// of records' function as consumer, wired as a running function's is;
// tests call its exec and write.
func testCommitter(records *rdb.Records, consumer string) *committerUnderTest {
	h := &host{fn: Function{Name: records.Function()}}
	t := &committerUnderTest{records: records}
	t.c = commit.New(commit.Params[engine.Entry]{
		Logger: zap.NewNop(), Consumer: consumer, Records: records,
		Guard: h.DeadLetterGuard, MaxWriteValues: maxWriteValues,
		DeadLetter: func(e *engine.Entry, cause error) rdb.Write { return h.DeadLetter(e, Permanent(cause)) },
		OnFenced: func(stream, id string) {
			if t.onFenced != nil {
				t.onFenced(stream, id)
			}
		},
	})
	return t
}

// maxCommitGroup is the size at which a commit group stops growing.
const maxCommitGroup = commit.MaxGroup

// commitItem is a committer's item as the tests write it: the runtime's
// Emit for the events and the dead letter.
type commitItem struct {
	stream, id string
	ack        bool
	eventID    string
	record     bool
	emits      []Emit
	deadLetter *Emit
	done       func(error)
}

// committerUnderTest is a committer that takes the tests' items.
type committerUnderTest struct {
	c       *commit.Committer[engine.Entry]
	records *rdb.Records
	// onFenced, when set, is told of every item fenced off.
	onFenced func(stream, id string)
}

func (t *committerUnderTest) exec(ctx context.Context, items []*commitItem) error {
	return t.c.Exec(ctx, commitItems(items))
}

func (t *committerUnderTest) write(items []*commitItem) { t.c.Write(commitItems(items)) }

// commitItems converts the tests' items to the committer's.
func commitItems(items []*commitItem) []*commit.Item[engine.Entry] {
	out := make([]*commit.Item[engine.Entry], len(items))
	for i, it := range items {
		out[i] = &commit.Item[engine.Entry]{
			Stream: it.stream, ID: it.id, Ack: it.ack, EventID: it.eventID, Record: it.record,
			Emits: writes(it.emits), Done: it.done,
		}
		if it.deadLetter != nil {
			dl := rdb.Write(*it.deadLetter)
			out[i].DeadLetter = &dl
		}
	}
	return out
}

// isRedisReply reports whether err is an error reply of Redis.
func isRedisReply(err error) bool { return rdb.IsReply(err) }
