package inspect

import "github.com/redis/go-redis/v9"

// Redis returns the client the Inspector reads through, for tools built
// on it that keep state of their own in the same Redis (the dashboard's
// history of lag and throughput). It is the caller's client: do not
// close it.
func (i *Inspector) Redis() redis.UniversalClient { return i.rdb }
