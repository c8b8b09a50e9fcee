package ops

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// deadLetterPrefix is the key prefix of every dead-letter stream.
var deadLetterPrefix = runtime.DeadLetterStream("")

// known is every function an operator can ask about: the registered ones,
// with their registration, plus any that only has a dead-letter stream.
type known struct {
	names      []string
	registered map[string]runtime.FunctionInfo
}

// discover lists the functions in the registry and the dlq:* streams.
func (o *Ops) discover(ctx context.Context) (known, error) {
	infos, err := runtime.ListFunctions(ctx, o.rdb, o.registryKey)
	if err != nil {
		return known{}, err
	}
	k := known{registered: make(map[string]runtime.FunctionInfo, len(infos))}
	for _, fi := range infos {
		k.registered[fi.Name] = fi
	}
	dlqs, err := o.scanStreams(ctx, deadLetterPrefix+"*")
	if err != nil {
		return known{}, err
	}
	seen := map[string]bool{}
	for name := range k.registered {
		seen[name] = true
	}
	for _, key := range dlqs {
		seen[strings.TrimPrefix(key, deadLetterPrefix)] = true
	}
	for name := range seen {
		k.names = append(k.names, name)
	}
	sort.Strings(k.names)
	return k, nil
}

// requireFunction returns ErrNotFound unless fn is registered or has a
// dead-letter stream.
func (o *Ops) requireFunction(ctx context.Context, fn string) error {
	if fn == "" {
		return fmt.Errorf("function name is empty: %w", ErrInvalid)
	}
	registered, err := o.rdb.HExists(ctx, o.registryKey, fn).Result()
	if err != nil {
		return fmt.Errorf("HEXISTS %s: %w", o.registryKey, err)
	}
	if registered {
		return nil
	}
	n, err := o.rdb.Exists(ctx, runtime.DeadLetterStream(fn)).Result()
	if err != nil {
		return fmt.Errorf("EXISTS %s: %w", runtime.DeadLetterStream(fn), err)
	}
	if n == 0 {
		return fmt.Errorf("function %q: not registered and no dead letters: %w", fn, ErrNotFound)
	}
	return nil
}

// scanStreams returns the stream keys matching pattern, on every master of
// a cluster.
func (o *Ops) scanStreams(ctx context.Context, pattern string) ([]string, error) {
	var (
		mu   sync.Mutex // ForEachMaster scans the masters concurrently
		keys []string
	)
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.ScanType(ctx, 0, pattern, 500, "stream").Iterator()
		for it.Next(ctx) {
			mu.Lock()
			keys = append(keys, it.Val())
			mu.Unlock()
		}
		return it.Err()
	}
	var err error
	if cc, ok := o.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, o.rdb)
	}
	if err != nil {
		return nil, fmt.Errorf("SCAN %s: %w", pattern, err)
	}
	sort.Strings(keys)
	return keys, nil
}
