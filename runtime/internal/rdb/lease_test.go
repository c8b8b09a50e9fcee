package rdb

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/partition"
)

// The lease is exclusive, numbers its tenures, and only the token that
// holds it renews or releases it.
func TestLeaseTenures(t *testing.T) {
	client, ctx := startRedis(t), context.Background()
	a, b := New(client).Leases("fn", "A"), New(client).Leases("fn", "B")

	tokA, ok, err := a.Acquire(ctx, 3, time.Minute)
	if err != nil || !ok || tokA != "A:1" {
		t.Fatalf("first acquire: %q %v %v", tokA, ok, err)
	}
	if held, ok, _ := b.Acquire(ctx, 3, time.Minute); ok || held != "A:1" {
		t.Fatalf("second acquire while held: %q %v, want refused naming A:1", held, ok)
	}
	if ok, _ := b.Renew(ctx, 3, "B:1", time.Minute); ok {
		t.Fatal("a token that does not hold the lease renewed it")
	}
	if ok, _ := b.Release(ctx, 3, "A:0"); ok {
		t.Fatal("a stale token released the lease")
	}
	if ok, _ := a.Renew(ctx, 3, tokA, time.Minute); !ok {
		t.Fatal("the holder could not renew")
	}
	if ok, _ := a.Release(ctx, 3, tokA); !ok {
		t.Fatal("the holder could not release")
	}
	tokB, ok, _ := b.Acquire(ctx, 3, 200*time.Millisecond)
	if !ok || tokB != "B:2" {
		t.Fatalf("acquire after release: %q %v, want B:2 (epochs are never reused)", tokB, ok)
	}
	redistest.Eventually(t, 5*time.Second, func() bool {
		h, _ := a.Holders(ctx, 4)
		return h[3] == ""
	}, "an unrenewed lease expires")
	if tok, ok, _ := a.Acquire(ctx, 3, time.Minute); !ok || tok != "A:3" {
		t.Fatalf("acquire after expiry: %q %v, want A:3", tok, ok)
	}
	if ok, _ := b.Renew(ctx, 3, tokB, time.Minute); ok {
		t.Fatal("an expired tenure renewed a lease another tenure holds")
	}
}

// Membership lists the live members in name order and forgets one that
// leaves or stops renewing.
func TestMembership(t *testing.T) {
	client, ctx := startRedis(t), context.Background()
	a, b, c := New(client).Leases("fn", "a"), New(client).Leases("fn", "b"), New(client).Leases("fn", "c")
	if _, err := c.Heartbeat(ctx, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	_, _ = b.Heartbeat(ctx, time.Minute)
	m, _ := a.Heartbeat(ctx, time.Minute)
	if len(m) != 3 || m[0] != "a" || m[1] != "b" || m[2] != "c" {
		t.Fatalf("members %v, want [a b c]", m)
	}
	_ = b.Leave(ctx)
	redistest.Eventually(t, 5*time.Second, func() bool {
		m, _ := a.Heartbeat(ctx, time.Minute)
		return len(m) == 1 && m[0] == "a"
	}, "b left and c expired")
}

// A leased read reads only the partitions whose lease its token still
// holds: one whose lease passed on is refused and none of its entries is
// delivered; with nothing new it reports each stream's newest id.
func TestLeasedReadIsFenced(t *testing.T) {
	client, ctx := startRedis(t), context.Background()
	r := New(client)
	a := r.Consumer("fn", "A")
	for _, s := range []string{"s:{p0}", "s:{p1}"} {
		if err := a.CreateGroup(ctx, s, "0"); err != nil {
			t.Fatal(err)
		}
		client.XAdd(ctx, &redis.XAddArgs{Stream: s, Values: []string{"k", "v"}})
	}
	leases := r.Leases("fn", "A")
	tok0, _, _ := leases.Acquire(ctx, 0, time.Minute)
	tok1, _, _ := leases.Acquire(ctx, 1, time.Minute)
	client.Set(ctx, partition.Lease("fn", 1), "B:9", time.Minute) // p1 passed on
	parts := []LeasedPart{
		{P: 0, Lease: partition.Lease("fn", 0), Token: tok0, Streams: []string{"s:{p0}"}},
		{P: 1, Lease: partition.Lease("fn", 1), Token: tok1, Streams: []string{"s:{p1}"}},
	}
	res, err := a.ReadLeased(ctx, parts, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Refused) != 1 || res.Refused[0].P != 1 {
		t.Fatalf("refused %+v, want partition 1", res.Refused)
	}
	if len(res.Entries) != 1 || res.Entries[0].Stream != "s:{p0}" || len(res.Entries[0].Messages) != 1 || res.Entries[0].Messages[0].Values["k"] != "v" {
		t.Fatalf("entries %+v, want the one of s:{p0}", res.Entries)
	}
	if n := client.XPending(ctx, "s:{p1}", "fn").Val().Count; n != 0 {
		t.Fatalf("%d entries of the refused partition delivered", n)
	}
	res, err = a.ReadLeased(ctx, parts[:1], 10)
	if err != nil || len(res.Entries) != 0 {
		t.Fatalf("second read: %+v %v, want nothing new", res, err)
	}
	last := client.XRevRangeN(ctx, "s:{p0}", "+", "-", 1).Val()[0].ID
	if res.Newest["s:{p0}"] != last {
		t.Fatalf("newest %v, want s:{p0} at %s", res.Newest, last)
	}
}

// startRedis starts a throwaway redis-server for the test.
func startRedis(t *testing.T) *redis.Client {
	t.Helper()
	srv, err := redistest.Start(redistest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv.Client(t)
}
