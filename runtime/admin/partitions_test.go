package admin_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestFunctionsShowPartitionsOverHTTP(t *testing.T) {
	ts, _ := serve(t, token)
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("inventory")
	fam := opstest.Family(t, rdb, opstest.Unique("events:order"), 2, fn)
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: fam.Stream(1), Values: []string{"entity_id", "o1"}}).Err(); err != nil {
		t.Fatal(err)
	}
	opstest.Register(t, rdb, runtime.DefaultRegistryKey, runtime.FunctionInfo{Name: fn, Group: fn, Streams: fam.Streams(), Leases: true,
		Families: []runtime.FamilyInfo{{Name: fam.Name, Partitions: fam.Count}}})
	opstest.HoldLease(t, rdb, fn, 1, "pod-b:9")

	status, _, raw := call(t, ts, "GET", "/admin/functions", "Bearer "+token, "")
	var st []struct {
		Name       string `json:"name"`
		Partitions []struct {
			Partition int    `json:"partition"`
			Owner     string `json:"owner"`
			Epoch     int64  `json:"epoch"`
			Lag       *int64 `json:"lag"`
			Pending   int64  `json:"pending"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(raw, &st); status != 200 || err != nil {
		t.Fatalf("GET functions: %d %s", status, raw)
	}
	for _, f := range st {
		if f.Name != fn {
			continue
		}
		if len(f.Partitions) != 2 || f.Partitions[0].Owner != "" || f.Partitions[1].Owner != "pod-b" || f.Partitions[1].Epoch != 9 ||
			f.Partitions[1].Lag == nil || *f.Partitions[1].Lag != 1 || f.Partitions[0].Lag == nil || *f.Partitions[0].Lag != 0 {
			t.Fatalf("partitions of %s over HTTP: %+v", fn, f.Partitions)
		}
		return
	}
	t.Fatalf("GET functions has no %s: %s", fn, raw)
}
