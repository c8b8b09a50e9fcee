package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/partition"
)

func TestStatusShowsPartitions(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("projector")
	fam, err := partition.Open(ctx, rdb, opstest.Unique("events:order"), 3)
	if err != nil {
		t.Fatal(err)
	}
	// Partition p holds p+1 entries, read by no one: lag p+1.
	for p := range fam.Count {
		if err := rdb.XGroupCreateMkStream(ctx, fam.Stream(p), fn, "0").Err(); err != nil {
			t.Fatal(err)
		}
		for range p + 1 {
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: fam.Stream(p), Values: []string{"entity_id", "x"}}).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	info, _ := json.Marshal(runtime.FunctionInfo{
		Name: fn, Group: fn, Streams: fam.Streams(), Leases: true, OrderingKey: "entity_id",
		Families: []runtime.FamilyInfo{{Name: fam.Name, Partitions: fam.Count}},
	})
	if err := rdb.HSet(ctx, shopfn.Conventions.RegistryKey, fn, info).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, partition.Lease(fn, 1), "projector-7f9c:4", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}

	out, _ := wantCode(t, exitOK, "status")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(fn) + `\s+` + regexp.QuoteMeta(fam.Name) + `:\{p0\.\.p2\}\s+6\s+0\s`),
		regexp.MustCompile(regexp.QuoteMeta(fn) + `: 3 partitions of ` + regexp.QuoteMeta(fam.Name) + `, each owned by one instance`),
		regexp.MustCompile(`(?m)^PARTITION\s+OWNER\s+EPOCH\s+LEASE\s+LAG\s+PENDING$`),
		regexp.MustCompile(`(?m)^0\s+-\s+-\s+-\s+1\s+0$`),
		regexp.MustCompile(`(?m)^1\s+projector-7f9c\s+4\s+\S+s\s+2\s+0$`),
		regexp.MustCompile(`(?m)^2\s+-\s+-\s+-\s+3\s+0$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("status output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, fam.Stream(0)) {
		t.Errorf("status lists the partition streams one by one:\n%s", out)
	}

	var st []ops.FunctionStatus
	decode(t, &st, "status", "--json")
	for _, f := range st {
		if f.Name != fn {
			continue
		}
		if len(f.Partitions) != 3 || f.Partitions[1].Owner != "projector-7f9c" || f.Partitions[1].Epoch != 4 ||
			f.Partitions[2].Lag == nil || *f.Partitions[2].Lag != 3 || len(f.Streams) != 3 {
			t.Fatalf("status --json of %s: %+v", fn, f)
		}
		return
	}
	t.Fatalf("status --json has no %s", fn)
}
