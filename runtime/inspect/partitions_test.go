package inspect_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/partition"
)

// partitionSetup is what one partition stream holds for the group: n
// entries, the first read delivered, acked of them acked.
type partitionSetup struct{ n, read, acked int }

// fillPartition writes s into stream for group (created at the start),
// reading as consumer.
func fillPartition(t *testing.T, rdb *redis.Client, stream, group, consumer string, s partitionSetup) {
	t.Helper()
	ctx := context.Background()
	must(t, rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err())
	for range s.n {
		must(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"entity_id", "e"}}).Err())
	}
	if s.read == 0 {
		return
	}
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: int64(s.read)}).Result()
	must(t, err)
	for _, m := range res[0].Messages[:s.acked] {
		must(t, rdb.XAck(ctx, stream, group, m.ID).Err())
	}
}

// registerPartitioned writes fn's registry entry as the runtime does for a
// function consuming families.
func registerPartitioned(t *testing.T, rdb *redis.Client, fn string, fams ...partition.Family) {
	t.Helper()
	info := runtime.FunctionInfo{Name: fn, Group: fn, Leases: true, OrderingKey: "entity_id"}
	for _, f := range fams {
		info.Streams = append(info.Streams, f.Streams()...)
		info.Families = append(info.Families, runtime.FamilyInfo{Name: f.Name, Partitions: f.Count})
	}
	opstest.Register(t, rdb, runtime.DefaultRegistryKey, info)
}

func TestStatusShowsEachPartitionsOwnerEpochLagAndPending(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("projector")
	orders, err := partition.Open(ctx, rdb, opstest.Unique("events:order"), 4)
	must(t, err)
	mails, err := partition.Open(ctx, rdb, opstest.Unique("events:mail"), 2)
	must(t, err)
	// Distinct figures per partition and family, so that a lag taken from
	// one family only, the largest, another partition or every partition
	// gives other numbers.
	orderSetup := []partitionSetup{{10, 0, 0}, {11, 2, 1}, {12, 4, 4}, {13, 6, 3}}
	mailSetup := []partitionSetup{{100, 5, 5}, {107, 5, 2}}
	for p, s := range orderSetup {
		fillPartition(t, rdb, orders.Stream(p), fn, "inst-a", s)
	}
	for p, s := range mailSetup {
		fillPartition(t, rdb, mails.Stream(p), fn, "inst-b", s)
	}
	registerPartitioned(t, rdb, fn, orders, mails)
	// Leases as the engine writes them: partition 0 held by inst-a at
	// epoch 3, 2 by a consumer with a colon in its name at epoch 12, 3 by
	// a lease that has expired; partition 1 never leased.
	must(t, rdb.Set(ctx, partition.Lease(fn, 0), "inst-a:3", 30*time.Second).Err())
	must(t, rdb.Set(ctx, partition.Lease(fn, 2), "host:7:12", 30*time.Second).Err())
	must(t, rdb.Set(ctx, partition.Lease(fn, 3), "inst-b:5", 30*time.Second).Err())
	must(t, rdb.PExpireAt(ctx, partition.Lease(fn, 3), time.Now().Add(-time.Second)).Err())

	st, err := inspect.New(rdb).FunctionStatus(ctx, fn)
	if err != nil {
		t.Fatal(err)
	}
	firstJSON, err := json.Marshal(st.Partitions[0])
	must(t, err)
	lag := func(n int64) *int64 { return &n }
	want := []inspect.PartitionStatus{
		{Partition: 0, Streams: []string{orders.Stream(0), mails.Stream(0)}, Owner: "inst-a", Epoch: 3, Lag: lag(10 + 95), Pending: 0},
		{Partition: 1, Streams: []string{orders.Stream(1), mails.Stream(1)}, Lag: lag(9 + 102), Pending: 1 + 3},
		{Partition: 2, Streams: []string{orders.Stream(2)}, Owner: "host:7", Epoch: 12, Lag: lag(8), Pending: 0},
		{Partition: 3, Streams: []string{orders.Stream(3)}, Lag: lag(7), Pending: 3},
	}
	for p := range st.Partitions {
		if ttl := time.Duration(st.Partitions[p].LeaseTTL); (want[p].Owner != "") != (ttl > 20*time.Second && ttl <= 30*time.Second) {
			t.Errorf("partition %d: lease TTL %s with owner %q", p, ttl, st.Partitions[p].Owner)
		}
		st.Partitions[p].LeaseTTL = 0
	}
	if diff := cmp.Diff(want, st.Partitions); diff != "" {
		t.Errorf("partitions (-want +got):\n%s", diff)
	}
	if st.Lag == nil || *st.Lag != 10+95+9+102+8+7 || st.Pending != 4+3 {
		t.Errorf("function lag %v, pending %d: want the sums over every partition", st.Lag, st.Pending)
	}

	t.Run("JSON names the fields", func(t *testing.T) {
		var m map[string]any
		must(t, json.Unmarshal(firstJSON, &m))
		for _, k := range []string{"partition", "streams", "owner", "epoch", "lease_ttl_ms", "lag", "pending"} {
			if _, ok := m[k]; !ok {
				t.Errorf("partition JSON %s has no %q", firstJSON, k)
			}
		}
	})

	t.Run("unknown lag on one stream makes the partition's unknown", func(t *testing.T) {
		// Deleting an undelivered entry leaves Redis unable to count the lag.
		xs, err := rdb.XRevRangeN(ctx, mails.Stream(1), "+", "-", 2).Result()
		must(t, err)
		must(t, rdb.XDel(ctx, mails.Stream(1), xs[1].ID).Err())
		st, err := inspect.New(rdb).FunctionStatus(ctx, fn)
		must(t, err)
		if st.Partitions[1].Lag != nil || st.Partitions[0].Lag == nil || *st.Partitions[0].Lag != 105 {
			t.Errorf("partition lags after the delete: %v, %v; want unknown for 1 only", st.Partitions[1].Lag, st.Partitions[0].Lag)
		}
	})
}

func TestStatusOfAnUnpartitionedFunctionHasNoPartitions(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn, stream := opstest.Unique("billing"), opstest.Unique("events:order")
	fillPartition(t, rdb, stream, fn, "c", partitionSetup{3, 1, 0})
	opstest.Register(t, rdb, runtime.DefaultRegistryKey, runtime.FunctionInfo{Name: fn, Group: fn, Streams: []string{stream}})
	st, err := inspect.New(rdb).FunctionStatus(ctx, fn)
	must(t, err)
	if st.Partitions != nil || st.Lag == nil || *st.Lag != 2 {
		t.Fatalf("status: partitions %+v, lag %v", st.Partitions, st.Lag)
	}
}

func TestParseLease(t *testing.T) {
	for v, want := range map[string]struct {
		owner string
		epoch int64
	}{
		"inst-a:3":      {"inst-a", 3},
		"pod:x:y:42":    {"pod:x:y", 42},
		"no-epoch":      {"no-epoch", 0},
		"bad:epoch":     {"bad:epoch", 0},
		"projector-1:0": {"projector-1", 0},
	} {
		if o, e := inspect.ParseLease(v); o != want.owner || e != want.epoch {
			t.Errorf("ParseLease(%q) = %q, %d; want %q, %d", v, o, e, want.owner, want.epoch)
		}
	}
}
