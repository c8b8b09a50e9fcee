package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// revocationCheckTimeout bounds the Redis read that every authenticated
// request makes, so that a hung Redis fails the request instead of
// holding it.
const revocationCheckTimeout = 2 * time.Second

// ErrRevocationUnknown is wrapped when Redis cannot say whether a session
// was revoked: the request is refused (fail closed).
var ErrRevocationUnknown = errors.New("cannot check whether the session was logged out")

// Revocations records the sessions that logged out, in Redis, so that a
// copied cookie stops working on every dashboard that shares the Redis
// and the key prefix: <prefix>:revoked:<nonce>, kept until the session
// would have expired anyway.
type Revocations struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewRevocations records logouts in rdb under prefix, on clock now.
func NewRevocations(rdb redis.UniversalClient, prefix string, now func() time.Time) Revocations {
	return Revocations{rdb: rdb, prefix: prefix, now: now}
}

// key is where s's revocation is recorded.
func (v Revocations) key(s Session) string { return v.prefix + ":revoked:" + s.Nonce }

// Revoke records that s logged out; once it has expired there is nothing
// to record.
func (v Revocations) Revoke(ctx context.Context, s Session) error {
	left := s.Expires.Sub(v.now())
	if left <= 0 {
		return nil
	}
	if err := v.rdb.Set(ctx, v.key(s), "1", max(left, time.Second)).Err(); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// Revoked reports whether s logged out: one EXISTS. An error (Redis
// down) wraps ErrRevocationUnknown.
func (v Revocations) Revoked(ctx context.Context, s Session) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, revocationCheckTimeout)
	defer cancel()
	n, err := v.rdb.Exists(ctx, v.key(s)).Result()
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrRevocationUnknown, err)
	}
	return n > 0, nil
}
