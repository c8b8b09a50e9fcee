package ops_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/partition"
)

const (
	migrateEntries = 10_000
	migrateKeys    = 500
	migrateP       = 16
)

// sourceLog is a single-stream log written for a migration test.
type sourceLog struct {
	stream string
	ids    []string          // in stream order
	keyOf  map[string]string // id -> entity_id ("" for an entry without it)
	noKey  []string          // ids of the entries without entity_id
}

// writeSourceLog writes n entries over keys entities (entry i is about
// entity i%keys, with that entity's sequence number), and then noKey
// entries without an entity_id, into a new stream; then it creates groups
// on that stream, reading from its start.
func writeSourceLog(t *testing.T, rdb *redis.Client, n, keys, noKey int, groups ...string) sourceLog {
	t.Helper()
	ctx := context.Background()
	log := sourceLog{stream: opstest.Unique("events:order"), keyOf: map[string]string{}}
	seq := map[string]int{}
	for start := 0; start < n+noKey; start += 1000 {
		pipe := rdb.Pipeline()
		var cmds []*redis.StringCmd
		var keysOf []string
		for i := start; i < min(start+1000, n+noKey); i++ {
			values := []any{"type", "order.updated"}
			key := ""
			if i < n {
				key = "o" + strconv.Itoa(i%keys)
				values = append(values, "entity_id", key, "seq", strconv.Itoa(seq[key]))
				seq[key]++
			}
			values = append(values, "data", fmt.Sprintf(`{"i":%d}`, i))
			cmds = append(cmds, pipe.XAdd(ctx, &redis.XAddArgs{Stream: log.stream, Values: values}))
			keysOf = append(keysOf, key)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, c := range cmds {
			log.ids = append(log.ids, c.Val())
			log.keyOf[c.Val()] = keysOf[i]
			if keysOf[i] == "" {
				log.noKey = append(log.noKey, c.Val())
			}
		}
	}
	for _, g := range groups {
		opstest.Group(t, rdb, log.stream, g, "0")
	}
	return log
}

// readGroup delivers the next n entries of stream to group and acks all
// but the ids in keep; it returns the delivered ids.
func readGroup(t *testing.T, rdb *redis.Client, stream, group string, n int, keep ...string) []string {
	t.Helper()
	ctx := context.Background()
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c1", Streams: []string{stream, ">"}, Count: int64(n)}).Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range res[0].Messages {
		ids = append(ids, m.ID)
		if !contains(keep, m.ID) {
			if err := rdb.XAck(ctx, stream, group, m.ID).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// checkPartitions fails unless family holds every entry of log exactly
// once, in the partition of its key (partition 0 without one), under its
// id and with its fields, each key's entries in their order.
func checkPartitions(t *testing.T, rdb *redis.Client, log sourceLog, family string) {
	t.Helper()
	ctx := context.Background()
	fam, err := partition.Lookup(ctx, rdb, family)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for p := range fam.Count {
		xs, err := rdb.XRange(ctx, fam.Stream(p), "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		next := map[string]int{} // key -> the seq its next entry must have
		for _, x := range xs {
			seen[x.ID]++
			key, ok := log.keyOf[x.ID]
			if !ok {
				t.Fatalf("partition %d holds %s, not an id of the source", p, x.ID)
			}
			if got, _ := x.Values["entity_id"].(string); got != key {
				t.Fatalf("partition %d entry %s: entity_id %q, want %q", p, x.ID, got, key)
			}
			want := 0
			if key != "" {
				want = partition.Of(key, fam.Count)
			}
			if p != want {
				t.Fatalf("entry %s of %q in partition %d, want %d", x.ID, key, p, want)
			}
			if key == "" {
				continue
			}
			if s, _ := x.Values["seq"].(string); s != strconv.Itoa(next[key]) {
				t.Fatalf("partition %d: %s's entry %s has seq %s, want %d (order per key lost, or an entry missing or twice)", p, key, x.ID, s, next[key])
			}
			next[key]++
		}
	}
	for _, id := range log.ids {
		if seen[id] != 1 {
			t.Fatalf("entry %s is %d times in the partitions, want once", id, seen[id])
		}
	}
	if len(seen) != len(log.ids) {
		t.Fatalf("partitions hold %d ids, source %d", len(seen), len(log.ids))
	}
}

// groupOn returns group's XINFO GROUPS entry on stream.
func groupOn(t *testing.T, rdb *redis.Client, stream, group string) redis.XInfoGroup {
	t.Helper()
	gs, err := rdb.XInfoGroups(context.Background(), stream).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name == group {
			return g
		}
	}
	t.Fatalf("no group %s on %s", group, stream)
	return redis.XInfoGroup{}
}

// after counts the entries of stream above id.
func after(t *testing.T, rdb *redis.Client, stream, id string) int64 {
	t.Helper()
	xs, err := rdb.XRange(context.Background(), stream, "("+id, "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(xs))
}

func TestMigrateMovesEveryEntryOnceIntoItsPartitionWithItsIDAndTheGroups(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	log := writeSourceLog(t, rdb, migrateEntries, migrateKeys, 3, "idle", "pending", "mid")
	opstest.Group(t, rdb, log.stream, "fresh", "$")
	readGroup(t, rdb, log.stream, "idle", len(log.ids))
	readGroup(t, rdb, log.stream, "pending", 6000, log.ids[2000], log.ids[4500])
	readGroup(t, rdb, log.stream, "mid", 3000)

	opts := ops.MigrateOptions{Family: log.stream, Partitions: migrateP, Key: "entity_id", Batch: 700}
	rep, err := ops.MigrateToPartitions(ctx, rdb, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Created || rep.Partitions != migrateP || rep.SourceEntries != int64(len(log.ids)) ||
		rep.TotalCopied() != int64(len(log.ids)) || rep.AlreadyThere != 0 || rep.WithoutKey != 3 || len(rep.WithoutKeyIDs) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	checkPartitions(t, rdb, log, log.stream)

	// Where each group stands, and its lag there counted exactly.
	fam := partition.Family{Name: log.stream, Count: migrateP}
	lowest, _ := runtime.ParseStreamID(log.ids[2000])
	wantPos := map[string]string{
		"idle": log.ids[len(log.ids)-1], "fresh": log.ids[len(log.ids)-1], "mid": log.ids[2999],
		"pending": beforeID(lowest),
	}
	if len(rep.Groups) != 4 {
		t.Fatalf("groups moved: %+v", rep.Groups)
	}
	for _, g := range rep.Groups {
		if g.Position != wantPos[g.Name] || g.Created != migrateP {
			t.Errorf("group %s: %+v, want position %s on %d partitions", g.Name, g, wantPos[g.Name], migrateP)
		}
		for p := range fam.Count {
			info := groupOn(t, rdb, fam.Stream(p), g.Name)
			if info.LastDeliveredID != wantPos[g.Name] || info.Lag != after(t, rdb, fam.Stream(p), wantPos[g.Name]) {
				t.Fatalf("group %s on partition %d: at %s lag %d, want %s lag %d",
					g.Name, p, info.LastDeliveredID, info.Lag, wantPos[g.Name], after(t, rdb, fam.Stream(p), wantPos[g.Name]))
			}
		}
	}
	if g := rep.Groups[slicesIndex(rep.Groups, "pending")]; g.Pending != 2 || g.LowestPendingID != log.ids[2000] {
		t.Errorf("pending group: %+v", g)
	}

	t.Run("a rerun copies nothing and keeps the groups", func(t *testing.T) {
		rep, err := ops.MigrateToPartitions(ctx, rdb, opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created || rep.TotalCopied() != 0 || rep.AlreadyThere != int64(len(log.ids)) {
			t.Fatalf("rerun: %+v", rep)
		}
		for _, g := range rep.Groups {
			if g.Kept != migrateP {
				t.Errorf("rerun moved group %s: %+v", g.Name, g)
			}
		}
		checkPartitions(t, rdb, log, log.stream)
	})
	t.Run("an existing family keeps its count", func(t *testing.T) {
		rep, err := ops.MigrateToPartitions(ctx, rdb, ops.MigrateOptions{Family: log.stream, Partitions: 4, Key: "entity_id", DryRun: true})
		if err != nil || rep.Partitions != migrateP || rep.TotalCopied() != 0 {
			t.Fatalf("dry run on the migrated family with 4 partitions: %+v, %v", rep, err)
		}
	})
	t.Run("the source is deleted only when asked", func(t *testing.T) {
		if n, _ := rdb.Exists(ctx, log.stream).Result(); n != 1 {
			t.Fatal("the source is gone without --delete-source")
		}
		rep, err := ops.MigrateToPartitions(ctx, rdb, ops.MigrateOptions{Family: log.stream, Key: "entity_id", DeleteSource: true})
		if err != nil || !rep.SourceDeleted {
			t.Fatalf("delete source: %+v, %v", rep, err)
		}
		if n, _ := rdb.Exists(ctx, log.stream).Result(); n != 0 {
			t.Fatal("source still there")
		}
		checkPartitions(t, rdb, log, log.stream)
	})
}

// beforeID is the id just below id, as Redis prints it.
func beforeID(id runtime.StreamID) string {
	if id.Seq > 0 {
		return fmt.Sprintf("%d-%d", id.Ms, id.Seq-1)
	}
	return fmt.Sprintf("%d-%d", id.Ms-1, uint64(1<<64-1))
}

func slicesIndex(gs []ops.GroupMove, name string) int {
	for i, g := range gs {
		if g.Name == name {
			return i
		}
	}
	return -1
}

func TestMigrateCutShortThenRerunGivesTheSameResult(t *testing.T) {
	rdb := srv.Client(t)
	log := writeSourceLog(t, rdb, migrateEntries, migrateKeys, 0, "g")
	readGroup(t, rdb, log.stream, "g", 5000)

	ctx, cancel := context.WithCancel(context.Background())
	opts := ops.MigrateOptions{Family: log.stream, Partitions: migrateP, Key: "entity_id", Batch: 300,
		Progress: func(done int64) {
			if done >= 4000 {
				cancel()
			}
		}}
	rep, err := ops.MigrateToPartitions(ctx, rdb, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	var total int64
	for p := range migrateP {
		total += rdb.XLen(context.Background(), partition.Stream(log.stream, p)).Val()
	}
	if total < 4000 || total >= int64(len(log.ids)) || len(rep.Groups) != 0 {
		t.Fatalf("the cut run wrote %d entries (report %+v): want a part of them, no group moved", total, rep)
	}

	opts.Progress = nil
	rep, err = ops.MigrateToPartitions(context.Background(), rdb, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created || rep.AlreadyThere != total || rep.TotalCopied() != int64(len(log.ids))-total {
		t.Fatalf("rerun after %d written: %+v", total, rep)
	}
	checkPartitions(t, rdb, log, log.stream)
	for p := range migrateP {
		if g := groupOn(t, rdb, partition.Stream(log.stream, p), "g"); g.LastDeliveredID != log.ids[4999] {
			t.Fatalf("group on partition %d at %s, want %s", p, g.LastDeliveredID, log.ids[4999])
		}
	}

	t.Run("cut at any moment", func(t *testing.T) {
		log := writeSourceLog(t, rdb, 3000, 100, 0)
		for cutAt := int64(50); cutAt < 3000; cutAt += 950 {
			ctx, cancel := context.WithCancel(context.Background())
			o := ops.MigrateOptions{Family: log.stream, Partitions: 8, Key: "entity_id", Batch: 50, Progress: func(done int64) {
				if done >= cutAt {
					cancel()
				}
			}}
			_, _ = ops.MigrateToPartitions(ctx, rdb, o)
			cancel()
		}
		if _, err := ops.MigrateToPartitions(context.Background(), rdb, ops.MigrateOptions{Family: log.stream, Key: "entity_id"}); err != nil {
			t.Fatal(err)
		}
		checkPartitions(t, rdb, log, log.stream)
	})
}

func TestMigrateDryRunWritesNothing(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	log := writeSourceLog(t, rdb, 200, 20, 1, "g")
	rep, err := ops.MigrateToPartitions(ctx, rdb, ops.MigrateOptions{Family: log.stream, Key: "entity_id", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.DryRun || !rep.Created || rep.Partitions != partition.DefaultCount || rep.TotalCopied() != 201 || rep.WithoutKey != 1 ||
		len(rep.Groups) != 1 || rep.Groups[0].Created != partition.DefaultCount {
		t.Fatalf("dry run report: %+v", rep)
	}
	keys, err := rdb.Keys(ctx, log.stream+":*").Result()
	if err != nil || len(keys) != 0 {
		t.Fatalf("the dry run wrote %v (%v)", keys, err)
	}
}

func TestMigrateRefusesPartitionsThatHoldEntriesTheSourceLacks(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	log := writeSourceLog(t, rdb, 100, 10, 0)
	fam, err := partition.Open(ctx, rdb, log.stream, 4)
	if err != nil {
		t.Fatal(err)
	}
	// A producer already writing to partition p: a live event after the
	// whole source.
	p := partition.Of("o3", 4)
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: fam.Stream(p), Values: []string{"entity_id", "o3"}}).Err(); err != nil {
		t.Fatal(err)
	}
	_, err = ops.MigrateToPartitions(ctx, rdb, ops.MigrateOptions{Family: log.stream, Key: "entity_id"})
	if !errors.Is(err, ops.ErrInvalid) {
		t.Fatalf("migrating into a partition with a live event: %v, want ErrInvalid", err)
	}
	for q := range fam.Count {
		if q != p && rdb.XLen(ctx, fam.Stream(q)).Val() != 0 {
			t.Errorf("the refused migration wrote into partition %d", q)
		}
	}

	t.Run("a live event under the id of a source entry", func(t *testing.T) {
		log := writeSourceLog(t, rdb, 100, 10, 0)
		fam, err := partition.Open(ctx, rdb, log.stream, 4)
		if err != nil {
			t.Fatal(err)
		}
		first := log.ids[0]
		p := partition.Of(log.keyOf[first], 4)
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: fam.Stream(p), ID: first, Values: []string{"entity_id", "other"}}).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := ops.MigrateToPartitions(ctx, rdb, ops.MigrateOptions{Family: log.stream, Key: "entity_id"}); !errors.Is(err, ops.ErrInvalid) {
			t.Fatalf("an entry of the same id and other fields: %v, want ErrInvalid", err)
		}
	})
}

func TestMigrateErrors(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	if _, err := ops.MigrateToPartitions(ctx, rdb, ops.MigrateOptions{Family: opstest.Unique("events:none"), Key: "entity_id"}); !errors.Is(err, ops.ErrNotFound) {
		t.Errorf("missing source: %v, want ErrNotFound", err)
	}
	for name, o := range map[string]ops.MigrateOptions{
		"no key":              {Family: "events:x"},
		"dry run that delete": {Family: "events:x", Key: "k", DryRun: true, DeleteSource: true},
		"too many partitions": {Family: "events:x", Key: "k", Partitions: partition.MaxCount + 1},
		"braces":              {Family: "events:{x}", Key: "k"},
	} {
		if _, err := ops.MigrateToPartitions(ctx, rdb, o); !errors.Is(err, ops.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestMigrateAllTakesTheRegistrysFamilies(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	key := opstest.Unique("registry")
	log := writeSourceLog(t, rdb, 50, 5, 0)
	missing := opstest.Unique("events:mail")
	info := fmt.Sprintf(`{"name":"projector","families":[{"name":%q,"partitions":4},{"name":%q,"partitions":4}]}`, log.stream, missing)
	if err := rdb.HSet(ctx, key, "projector", info).Err(); err != nil {
		t.Fatal(err)
	}
	reps, skipped, err := ops.MigrateAll(ctx, rdb, key, ops.MigrateOptions{Partitions: 4, Key: "entity_id"})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].Family != log.stream || reps[0].TotalCopied() != 50 || len(skipped) != 1 || skipped[0] != missing {
		t.Fatalf("migrate all: %+v, skipped %v", reps, skipped)
	}
	checkPartitions(t, rdb, log, log.stream)
}

func TestMigrateMovesGroupsThatStartedOnTheEmptyPartitionsForward(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	log := writeSourceLog(t, rdb, 1000, 50, 0, "projector")
	readGroup(t, rdb, log.stream, "projector", 600)
	// The new, partitioned projector started before the migration: its
	// group stands at the start of every (empty) partition.
	fam := opstest.Family(t, rdb, log.stream, 4, "projector")
	rep, err := ops.MigrateToPartitions(ctx, rdb, ops.MigrateOptions{Family: log.stream, Key: "entity_id"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 1 || rep.Groups[0].Moved != 4 || rep.Groups[0].Created != 0 || rep.Groups[0].Position != log.ids[599] {
		t.Fatalf("groups: %+v", rep.Groups)
	}
	var lag int64
	for p := range fam.Count {
		g := groupOn(t, rdb, fam.Stream(p), "projector")
		if g.LastDeliveredID != log.ids[599] || g.Lag != after(t, rdb, fam.Stream(p), log.ids[599]) {
			t.Fatalf("partition %d: group at %s lag %d", p, g.LastDeliveredID, g.Lag)
		}
		lag += g.Lag
	}
	if lag != 400 {
		t.Fatalf("lag over the partitions %d, want the 400 the source group had not read", lag)
	}
}

// A migration on a Redis Cluster client is refused up front, with a clear
// error, and writes nothing: its copy steps would span slots.
func TestMigrateRefusesACluster(t *testing.T) {
	node := redistest.NewOneNodeCluster(t)
	cc := node.ClusterClient(t)
	ctx := context.Background()
	if err := cc.XAdd(ctx, &redis.XAddArgs{Stream: "events:order", Values: []string{"type", "t", "event_id", "e", "entity_id", "k", "data", "{}"}}).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := ops.MigrateToPartitions(ctx, cc, ops.MigrateOptions{Family: "events:order", Key: "entity_id", Partitions: 4})
	if !errors.Is(err, ops.ErrInvalid) {
		t.Fatalf("migrate on a Cluster: %v, want ErrInvalid", err)
	}
	for _, key := range []string{partition.Stream("events:order", partition.Of("k", 4)), "events:order:partitions"} {
		if n, err := cc.Exists(ctx, key).Result(); err != nil || n != 0 {
			t.Fatalf("after the refused migration %s exists=%d (%v), want 0", key, n, err)
		}
	}
	t.Log(err)
}
