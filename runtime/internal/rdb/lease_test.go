package rdb

import (
	"context"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// The lease is exclusive, numbers its tenures, and only the token that
// holds it renews or releases it.
func TestLeaseTenures(t *testing.T) {
	srv, err := redistest.Start(redistest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client := srv.Client(t)
	ctx := context.Background()
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
	srv, err := redistest.Start(redistest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client := srv.Client(t)
	ctx := context.Background()
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
