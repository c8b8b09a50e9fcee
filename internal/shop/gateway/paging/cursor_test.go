package paging

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

func TestCursors(t *testing.T) {
	srv, err := redistest.Start(redistest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ctx := context.Background()
	rdb := srv.Client(t)
	a, b := &Cursors{rdb: rdb}, &Cursors{rdb: rdb} // two gateways of one shop
	const id = "01a230be-59d8-770c-967a-0967ba244040"
	c, err := a.Encode(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Decode(ctx, c); err != nil || got != id {
		t.Errorf("another gateway decodes %q, %v; want %s", got, err, id)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(c)
	tampered := base64.RawURLEncoding.EncodeToString([]byte("01a230be-59d8-770c-967a-0967ba244041" + string(raw[len(id):])))
	other := &Cursors{rdb: rdb, key: []byte("another shop's secret, 32 bytes!")}
	foreign, _ := other.Encode(ctx, id)
	for name, cur := range map[string]string{
		"empty": "", "not base64": "%%", "no signature": base64.RawURLEncoding.EncodeToString([]byte(id)),
		"old format": base64.RawURLEncoding.EncodeToString([]byte("c1:" + id)), "tampered id": tampered,
		"another key": foreign, "id too long": base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("x", 101) + ".sig")),
	} {
		if _, err := a.Decode(ctx, cur); err == nil {
			t.Errorf("%s: cursor %q accepted", name, cur)
		}
	}
}
