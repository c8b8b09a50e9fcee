package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// Inspector is the operator's API over the functions registered in one
// Redis: what they are (the registry), how far each group has read its
// streams (lag, pending, consumers), the retries waiting in their asynq
// queues, their dead letters (list, filter, count, replay, purge) and the
// positions of any stream. It reads and acts only through the runtime's
// published data model (the registry, dlq:<function>, runtime.RetryQueue,
// Replay); it never runs handlers. The CLI, the /admin API and a dashboard are
// built on it alone. It is safe for concurrent use.
type Inspector struct {
	rdb         redis.UniversalClient
	tasks       *asynq.Inspector
	registryKey string
	entityField string
	timeField   string
	// claimPending is ReplayClaimPending (shorter in tests).
	claimPending time.Duration
}

// Option configures an Inspector (see New).
type Option func(*Inspector)

// WithRegistryKey reads the registry from key instead of
// runtime.DefaultRegistryKey.
func WithRegistryKey(key string) Option {
	return func(i *Inspector) { i.registryKey = key }
}

// WithEntityField names the entry field that says which entity an event
// is about (such as "entity_id", often the OrderingKey): Event.EntityID
// and DeadLetter.EntityID are read from it. Unset, they stay empty.
func WithEntityField(name string) Option {
	return func(i *Inspector) { i.entityField = name }
}

// WithTimeField names the entry field that holds an event's time (RFC
// 3339): Event.Time is read from it. Unset, or on an entry without it,
// Event.Time is the time in the entry id.
func WithTimeField(name string) Option {
	return func(i *Inspector) { i.timeField = name }
}

// New returns an Inspector on rdb. The caller keeps ownership of rdb (the
// Inspector has nothing to close).
func New(rdb redis.UniversalClient, opts ...Option) *Inspector {
	i := &Inspector{rdb: rdb, tasks: asynq.NewInspectorFromRedisClient(rdb), registryKey: runtime.DefaultRegistryKey, claimPending: ReplayClaimPending}
	for _, o := range opts {
		o(i)
	}
	return i
}

// KnownFunction is a function an operator can ask about: one in the
// registry, or one known only by its dead-letter stream.
type KnownFunction struct {
	Name string
	// Registered is false for a function known only by its dead-letter
	// stream (it has not run since the registry was cleared, or was
	// removed); Info is then zero.
	Registered bool
	Info       runtime.FunctionInfo
}

// deadLetterPrefix starts every dead-letter stream's key.
var deadLetterPrefix = runtime.DeadLetterStream("")

// Functions returns every known function, by name: those in the registry
// and those that only have a dead-letter stream.
func (i *Inspector) Functions(ctx context.Context) ([]KnownFunction, error) {
	infos, err := i.registered(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]KnownFunction, len(infos))
	for _, fi := range infos {
		byName[fi.Name] = KnownFunction{Name: fi.Name, Registered: true, Info: fi}
	}
	dlqs, err := i.scanStreams(ctx, deadLetterPrefix+"*")
	if err != nil {
		return nil, err
	}
	for _, key := range dlqs {
		name := strings.TrimPrefix(key, deadLetterPrefix)
		if _, ok := byName[name]; !ok {
			byName[name] = KnownFunction{Name: name}
		}
	}
	out := make([]KnownFunction, 0, len(byName))
	for _, kf := range byName {
		out = append(out, kf)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

// registered reads the registry: the functions that registered
// themselves, with what they published.
func (i *Inspector) registered(ctx context.Context) ([]runtime.FunctionInfo, error) {
	return runtime.ListFunctions(ctx, i.rdb, i.registryKey)
}

// Function returns one known function; one neither registered nor with a
// dead-letter stream is ErrNotFound, an empty name ErrInvalid.
func (i *Inspector) Function(ctx context.Context, name string) (KnownFunction, error) {
	kf := KnownFunction{Name: name}
	if name == "" {
		return kf, fmt.Errorf("function name is empty: %w", ErrInvalid)
	}
	v, err := i.rdb.HGet(ctx, i.registryKey, name).Result()
	switch {
	case err == nil:
		kf.Registered = true
		if err := json.Unmarshal([]byte(v), &kf.Info); err != nil {
			return kf, fmt.Errorf("registry entry %s: %w", name, err)
		}
		return kf, nil
	case !errors.Is(err, redis.Nil):
		return kf, fmt.Errorf("HGET %s %s: %w", i.registryKey, name, err)
	}
	n, err := i.rdb.Exists(ctx, runtime.DeadLetterStream(name)).Result()
	if err != nil {
		return kf, fmt.Errorf("EXISTS %s: %w", runtime.DeadLetterStream(name), err)
	}
	if n == 0 {
		return kf, fmt.Errorf("function %q: not registered and no dead letters: %w", name, ErrNotFound)
	}
	return kf, nil
}

// scanStreams returns the stream keys matching pattern, on every master of
// a cluster, sorted.
func (i *Inspector) scanStreams(ctx context.Context, pattern string) ([]string, error) {
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
	if cc, ok := i.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, i.rdb)
	}
	if err != nil {
		return nil, fmt.Errorf("SCAN %s: %w", pattern, err)
	}
	sort.Strings(keys)
	return keys, nil
}
