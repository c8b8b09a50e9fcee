package inspect

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterPollWait is how long a read of streams of several Cluster slots
// waits between its polls.
const clusterPollWait = 100 * time.Millisecond

// xread is XREAD of streams after the ids (in the same order), up to count
// per stream, waiting up to block for the first entry; nothing read within
// block is redis.Nil. On a Redis Cluster, where one XREAD may name streams
// of one slot only, it reads each stream without blocking, in one
// pipeline, and when none had anything it waits up to clusterPollWait (or
// block, if shorter) before it reports nothing.
func xread(ctx context.Context, client redis.UniversalClient, streams, ids []string, count int64, block time.Duration) ([]redis.XStream, error) {
	if _, cluster := client.(*redis.ClusterClient); !cluster || len(streams) < 2 {
		args := append(append(make([]string, 0, 2*len(streams)), streams...), ids...)
		return client.XRead(ctx, &redis.XReadArgs{Streams: args, Count: count, Block: block}).Result()
	}
	pipe := client.Pipeline()
	cmds := make([]*redis.XStreamSliceCmd, len(streams))
	for k, s := range streams {
		cmds[k] = pipe.XRead(ctx, &redis.XReadArgs{Streams: []string{s, ids[k]}, Count: count, Block: -1})
	}
	_, _ = pipe.Exec(ctx)
	var out []redis.XStream
	for _, c := range cmds {
		res, err := c.Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return nil, err
		default:
			out = append(out, res...)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	wait := clusterPollWait
	if block > 0 {
		wait = min(wait, block)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, redis.Nil
}
