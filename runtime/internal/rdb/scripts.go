package rdb

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// The runtime's Lua scripts. commit.lua and lookup.lua run after the
// prelude records.lua, which says once how idempotency records are filed.

//go:embed records.lua
var recordsPrelude string

//go:embed commit.lua
var commitSource string

//go:embed lookup.lua
var lookupSource string

//go:embed renew.lua
var renewSource string

// commitScript writes a group of settled invocations atomically and
// all-or-nothing; see commit.lua for its KEYS, ARGV and return value.
var commitScript = redis.NewScript(recordsPrelude + commitSource)

// lookupScript reports which record fields exist; see lookup.lua.
var lookupScript = redis.NewScript(recordsPrelude + lookupSource)

// renewScript claims entries to this consumer again, only those it still
// owns; see renew.lua.
var renewScript = redis.NewScript(renewSource)
