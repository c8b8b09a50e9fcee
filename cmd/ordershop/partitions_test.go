package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

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
	if err := rdb.XGroupCreate(ctx, stream, "projector", "$").Err(); err != nil {
		t.Fatal(err)
	}

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
