package paging

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/gateway/input"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// Cursors are opaque and signed: base64url of "<last id>.<HMAC>", where
// the HMAC-SHA256 (first 16 bytes) is keyed by a random secret that every
// gateway of the shop shares through Redis (CursorKeyKey, made once with
// SET NX). A cursor the shop did not give out is refused with a 400.

// CursorKeyKey holds the cursors' signing secret (hex).
const CursorKeyKey = "shop:cursor-key"

// Cursors signs and checks the REST dialect's paging cursors.
type Cursors struct {
	rdb redis.UniversalClient
	mu  sync.Mutex
	key []byte
}

// NewCursors signs cursors with the secret that rdb holds at
// CursorKeyKey (made on first use).
func NewCursors(rdb redis.UniversalClient) *Cursors { return &Cursors{rdb: rdb} }

// secret returns the signing key, making it in Redis on first use.
func (c *Cursors) secret(ctx context.Context) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != nil {
		return c.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	if err := c.rdb.SetNX(ctx, CursorKeyKey, hex.EncodeToString(fresh), 0).Err(); err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	stored, err := c.rdb.Get(ctx, CursorKeyKey).Result()
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	key, err := hex.DecodeString(stored)
	if err != nil || len(key) < 16 {
		return nil, errors.New("cursor key: " + CursorKeyKey + " is not a hex secret")
	}
	c.key = key
	return key, nil
}

// mac is the signature of id under key.
func mac(key []byte, id string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// Encode makes the cursor that continues after lastID.
func (c *Cursors) Encode(ctx context.Context, lastID string) (string, error) {
	key, err := c.secret(ctx)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString([]byte(lastID + "." + mac(key, lastID))), nil
}

// errForgedCursor answers a cursor the shop did not give out.
var errForgedCursor = respond.BadRequest("query parameter cursor: not a cursor this server gave out")

// Decode returns the id a cursor continues after; a cursor the shop did
// not give out is a 400.
func (c *Cursors) Decode(ctx context.Context, cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", errForgedCursor
	}
	i := strings.LastIndexByte(string(raw), '.')
	if i <= 0 || i > input.MaxIDLength {
		return "", errForgedCursor
	}
	id, sig := string(raw[:i]), string(raw[i+1:])
	key, err := c.secret(ctx)
	if err != nil {
		return "", err
	}
	if !hmac.Equal([]byte(sig), []byte(mac(key, id))) {
		return "", errForgedCursor
	}
	return id, nil
}
