package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/partition"
)

func TestPartitionsMigrate(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	agg := opstest.Unique("order")
	stream := "events:" + agg
	for i := range 40 {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "order.created", "entity_id", "o" + strconv.Itoa(i%7)}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "orphan"}}).Err(); err != nil {
		t.Fatal(err)
	}
	opstest.Group(t, rdb, stream, "projector", "$")

	out, _ := wantCode(t, exitOK, "partitions", "migrate", "--family", agg, "--partitions", "4", "--dry-run")
	if !strings.Contains(out, "would copy 41") || !strings.Contains(out, "dry run") {
		t.Errorf("dry run says:\n%s", out)
	}
	if n := rdb.Exists(ctx, partition.CountKey(stream)).Val(); n != 0 {
		t.Fatal("the dry run created the family")
	}

	out, _ = wantCode(t, exitOK, "partitions", "migrate", "--family", stream, "--partitions", "4")
	for _, want := range []string{
		stream + " -> " + stream + " (new family, 4 partitions)",
		"41 entries read, copied 41, 0 already in their partition",
		"1 entries without the key field put in partition 0",
		"group projector put at", "created on 4 partitions",
		"source " + stream + " kept",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate output lacks %q:\n%s", want, out)
		}
	}
	var total int64
	for p := range 4 {
		total += rdb.XLen(ctx, partition.Stream(stream, p)).Val()
	}
	if total != 41 {
		t.Fatalf("partitions hold %d entries, want 41", total)
	}

	var res migrateOutput
	decode(t, &res, "partitions", "migrate", "--family", agg, "--json", "--delete-source")
	if len(res.Reports) != 1 || res.Reports[0].AlreadyThere != 41 || res.Reports[0].TotalCopied() != 0 || !res.Reports[0].SourceDeleted {
		t.Fatalf("rerun --json: %+v", res)
	}
	if rdb.Exists(ctx, stream).Val() != 0 {
		t.Fatal("--delete-source left the source")
	}
}

func TestPartitionsMigrateExitCodes(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		want int
	}{
		"neither family nor all":   {[]string{"partitions", "migrate"}, exitUsage},
		"both family and all":      {[]string{"partitions", "migrate", "--family", "order", "--all"}, exitUsage},
		"dry run that deletes":     {[]string{"partitions", "migrate", "--family", "order", "--dry-run", "--delete-source"}, exitUsage},
		"too many partitions":      {[]string{"partitions", "migrate", "--family", "order", "--partitions", "5000"}, exitUsage},
		"empty key":                {[]string{"partitions", "migrate", "--family", "order", "--key", ""}, exitUsage},
		"no such stream":           {[]string{"partitions", "migrate", "--family", opstest.Unique("nothing")}, exitNotFound},
		"unknown partitions child": {[]string{"partitions", "mgirate"}, exitUsage},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, c.want, c.args...) })
	}
}

func TestStatusShowsPartitions(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("projector")
	fam := opstest.Family(t, rdb, opstest.Unique("events:order"), 3, fn)
	// Partition p holds p+1 entries, read by no one: lag p+1.
	for p := range fam.Count {
		for range p + 1 {
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: fam.Stream(p), Values: []string{"entity_id", "x"}}).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	opstest.Register(t, rdb, shopfn.Conventions.RegistryKey, runtime.FunctionInfo{
		Name: fn, Group: fn, Streams: fam.Streams(), Leases: true, OrderingKey: "entity_id",
		Families: []runtime.FamilyInfo{{Name: fam.Name, Partitions: fam.Count}},
	})
	opstest.HoldLease(t, rdb, fn, 1, "projector-7f9c:4")

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
