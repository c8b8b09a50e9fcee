package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// A Partitioned function consumes every partition of its family, which it
// creates with PARTITIONS partitions when it is the first to open it.
func TestPartitionedFunctionReadsEveryPartition(t *testing.T) {
	rdb, family, name := fixture(t, "part")
	cfg := testConfig()
	cfg.Partitions = 4
	calls := startCounting(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{family}, Partitioned: true}, nil)
	fam, err := partition.Lookup(context.Background(), rdb, family)
	if err != nil || fam.Count != 4 {
		t.Fatalf("family after start: %+v, %v", fam, err)
	}
	for i := range 40 {
		key := eventID(i)
		publish(t, rdb, fam.StreamOf(key), "thing.happened", key, map[string]string{"id": key})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return calls.distinct() == 40 }, "every event of every partition handled")
	infos, err := runtime.ListFunctions(context.Background(), rdb, cfg.RegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range infos {
		if fi.Name == name {
			if len(fi.Streams) != 4 || len(fi.Families) != 1 || fi.Families[0].Partitions != 4 || fi.Leases {
				t.Fatalf("registry entry: %+v", fi)
			}
			return
		}
	}
	t.Fatalf("%s not registered", name)
}
