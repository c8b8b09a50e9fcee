package rdb

import (
	"errors"

	"github.com/redis/go-redis/v9"
)

// hasPrefix reports whether err is a Redis error reply starting with
// prefix (wrapped or not).
func hasPrefix(err error, prefix string) bool { return redis.HasErrorPrefix(err, prefix) }

// isNil reports whether err is go-redis's "no such key / nothing read".
func isNil(err error) bool { return errors.Is(err, redis.Nil) }
