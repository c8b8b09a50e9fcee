package dashboard

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

// errRevocationUnknown is wrapped when Redis cannot say whether a session
// was revoked: the request is refused (fail closed).
var errRevocationUnknown = errors.New("cannot check whether the session was logged out")

// revocations records the sessions that logged out, in Redis, so that a
// copied cookie stops working on every dashboard that shares the Redis
// and the key prefix: <prefix>:revoked:<nonce>, kept until the session
// would have expired anyway.
type revocations struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// key is where s's revocation is recorded.
func (v revocations) key(s session) string { return v.prefix + ":revoked:" + s.nonce }

// revoke records that s logged out; once it has expired there is nothing
// to record.
func (v revocations) revoke(ctx context.Context, s session) error {
	left := s.expires.Sub(v.now())
	if left <= 0 {
		return nil
	}
	if err := v.rdb.Set(ctx, v.key(s), "1", max(left, time.Second)).Err(); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// revoked reports whether s logged out: one EXISTS. An error (Redis
// down) wraps errRevocationUnknown.
func (v revocations) revoked(ctx context.Context, s session) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, revocationCheckTimeout)
	defer cancel()
	n, err := v.rdb.Exists(ctx, v.key(s)).Result()
	if err != nil {
		return false, fmt.Errorf("%w: %w", errRevocationUnknown, err)
	}
	return n > 0, nil
}
