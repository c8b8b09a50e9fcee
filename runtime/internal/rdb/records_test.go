package rdb

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// readOne adds one entry to stream and reads it as consumer c of group.
func readOne(t *testing.T, client *redis.Client, stream, group, eventID string) string {
	t.Helper()
	ctx := context.Background()
	if err := client.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		t.Fatal(err)
	}
	id := client.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", eventID, "data", "{}"}}).Val()
	if err := client.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}, Count: 1}).Err(); err != nil {
		t.Fatal(err)
	}
	return id
}

// A record is filed in the hash slot of the stream its entry was read
// from: a partition's records carry the partition's hash tag, so that the
// record, the ack and the emits to that partition are one script on a
// Cluster too. One commit of entries of two partitions files each in its
// own.
func TestRecordsLiveInTheSlotOfTheirStream(t *testing.T) {
	client, ctx := startRedis(t), context.Background()
	records := New(client).NewRecords("fn", time.Hour)
	p3, p7 := "events:o:{p3}", "events:o:{p7}"
	id3, id7 := readOne(t, client, p3, "fn", "e3"), readOne(t, client, p7, "fn", "e7")
	_, err := records.Commit(ctx, "c", 1000, []CommitItem{
		{Stream: p3, ID: id3, Ack: true, EventID: "e3", Record: true,
			Emits: []Write{{Stream: p3, Fields: map[string]string{"type": "t", "event_id": "out3"}}}},
		{Stream: p7, ID: id7, Ack: true, EventID: "e7", Record: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	for stream, tag := range map[string]string{p3: "{p3}", p7: "{p7}"} {
		keys := client.Keys(ctx, "fn:"+tag+":fn:done:*").Val()
		if len(keys) != 1 {
			t.Fatalf("records of %s: %v, want one hash under fn:%s:fn:done:", stream, keys, tag)
		}
		if Slot(keys[0]) != Slot(stream) {
			t.Fatalf("record hash %s in slot %d, its stream %s in %d", keys[0], Slot(keys[0]), stream, Slot(stream))
		}
	}
	got, err := records.Done(ctx, []Ref{{p3, "e3"}, {p7, "e7"}, {p7, "e3"}, {p3, "nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if !got[0] || !got[1] || got[2] || got[3] {
		t.Fatalf("lookup %v, want [true true false false]: a record is found in its own partition only", got)
	}
	if n := client.Keys(ctx, LegacyDoneKeyPrefix("fn")+"*").Val(); len(n) != 0 {
		t.Fatalf("records filed per function still: %v", n)
	}
}

// Records that an earlier version filed per function (fn:{<fn>}:done:…)
// are still seen after an upgrade or a migration to partitions, once
// DetectLegacy found them: the event is done, its emits are not repeated.
func TestLegacyRecordsAreStillSeen(t *testing.T) {
	client, ctx := startRedis(t), context.Background()
	ts, err := client.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	ttl := time.Hour
	field := RecordField("old")
	legacyKey := LegacyDoneKeyPrefix("fn") + itoa64(ts.UnixMilli()/ttl.Milliseconds()) + ":" + itoa(int(field[0])%Shards)
	client.HSet(ctx, legacyKey, field, "1")

	records := New(client).NewRecords("fn", ttl)
	stream := "events:o:{p1}"
	if got, _ := records.Done(ctx, []Ref{{stream, "old"}}); got[0] {
		t.Fatal("a legacy record was consulted before DetectLegacy (the test cannot tell the fallback)")
	}
	if err := records.DetectLegacy(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := records.Done(ctx, []Ref{{stream, "old"}, {stream, "new"}}); err != nil || !got[0] || got[1] {
		t.Fatalf("lookup after DetectLegacy: %v %v, want [true false]", got, err)
	}
	id := readOne(t, client, stream, "fn", "old")
	if _, err := records.Commit(ctx, "c", 1000, []CommitItem{{Stream: stream, ID: id, Ack: true, EventID: "old", Record: true,
		Emits: []Write{{Stream: "events:out", Fields: map[string]string{"type": "t"}}}}}); err != nil {
		t.Fatal(err)
	}
	if n := client.XLen(ctx, "events:out").Val(); n != 0 {
		t.Fatalf("%d emits of an event a legacy record says is done", n)
	}
	if n := client.XPending(ctx, stream, "fn").Val().Count; n != 0 {
		t.Fatalf("%d pending: the done event was not acked", n)
	}
	// A Redis without legacy records: nothing to consult.
	client.Del(ctx, legacyKey)
	if err := records.DetectLegacy(ctx); err != nil || records.legacy.Load() {
		t.Fatalf("DetectLegacy with no legacy records: legacy=%v err=%v", records.legacy.Load(), err)
	}
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// Renew tells an entry another consumer took over from one that was
// settled (acked) meanwhile: only the first is a takeover.
func TestRenewTellsTakenFromSettled(t *testing.T) {
	client, ctx := startRedis(t), context.Background()
	const stream = "events:r"
	a, b := readOne(t, client, stream, "fn", "e1"), readOne(t, client, stream, "fn", "e2")
	c := readOne(t, client, stream, "fn", "e3")
	client.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: "fn", Consumer: "other", Messages: []string{a}})
	client.XAck(ctx, stream, "fn", b)
	lost, taken, err := New(client).Consumer("fn", "c").Renew(ctx, stream, []string{a, b, c}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(lost) != 2 || taken != 1 {
		t.Fatalf("lost %v, taken %d; want %s and %s lost, 1 taken", lost, taken, a, b)
	}
}

// A group mixes items that only ack and record (sent as compact runs) with
// items that write: the order still decides the guards (an earlier item
// of the same event keeps a later one's writes out), and a fenced item is
// reported at its own position.
func TestCommitMixesCompactRunsAndWrites(t *testing.T) {
	client, ctx := startRedis(t), context.Background()
	const stream = "events:mix"
	records := New(client).NewRecords("fn", time.Hour)
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = readOne(t, client, stream, "fn", "e"+strconv.Itoa(i))
	}
	client.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: "fn", Consumer: "other", Messages: []string{ids[3]}})
	emit := func(ev string) []Write {
		return []Write{{Stream: "events:out", Fields: map[string]string{"type": "t", "event_id": ev}}}
	}
	fenced, err := records.Commit(ctx, "c", 1000, []CommitItem{
		{Stream: stream, ID: ids[0], Ack: true, EventID: "x", Record: true},                   // compact: records x
		{Stream: stream, ID: ids[1], Ack: true, EventID: "x", Record: true, Emits: emit("x")}, // same event after it: no emit
		{Stream: stream, ID: ids[2], Ack: true, EventID: "y", Record: true, Emits: emit("y")}, // emits
		{Stream: stream, ID: ids[3], Ack: true, EventID: "z", Record: true},                   // compact, taken over
		{Stream: stream, ID: ids[4], Ack: true, EventID: "y", Record: true},                   // compact after y's emit
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fenced) != 1 || fenced[0] != 3 {
		t.Fatalf("fenced %v, want [3]", fenced)
	}
	out := client.XRange(ctx, "events:out", "-", "+").Val()
	if len(out) != 1 || out[0].Values["event_id"] != "y" {
		t.Fatalf("emits %v, want y's only", out)
	}
	if p := client.XPending(ctx, stream, "fn").Val(); p.Count != 1 {
		t.Fatalf("%d pending, want only the taken-over entry", p.Count)
	}
	got, _ := records.Done(ctx, []Ref{{stream, "x"}, {stream, "y"}, {stream, "z"}})
	if !got[0] || !got[1] || got[2] {
		t.Fatalf("records %v, want x and y, not z", got)
	}
}

// The lookup and the commit's compact runs send their record fields packed, RecordFieldLen bytes each:
// the packing must give the fields RecordField names, and the scripts'
// prelude must cut them at the same length.
func TestPackedRecordFieldsMatchTheCommits(t *testing.T) {
	var packed []byte
	ids := []string{"", "a", "0b5f7c1e-6d44-4b8e-9a43-1f2e3d4c5b6a", strings.Repeat("x", 300)}
	for _, id := range ids {
		packed = appendRecordField(packed, id)
	}
	for i, id := range ids {
		got := string(packed[i*RecordFieldLen : (i+1)*RecordFieldLen])
		if want := RecordField(id); got != want || len(want) != RecordFieldLen {
			t.Errorf("packed field %d of %q = %x, RecordField says %x", i, id, got, want)
		}
	}
	want := "local FIELD = " + strconv.Itoa(RecordFieldLen) + " "
	if !strings.Contains(recordsPrelude, want) {
		t.Errorf("records.lua, the prelude of lookup.lua and commit.lua, does not declare %q", strings.TrimSpace(want))
	}
}
