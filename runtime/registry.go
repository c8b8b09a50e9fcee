package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// RegistryKey is the hash where every running function describes itself
// (field: function name, value: FunctionInfo as JSON). Operators' tools read
// it to find the functions, their streams and groups.
const RegistryKey = "ordershop:functions"

// FunctionInfo is what a function publishes about itself in RegistryKey.
type FunctionInfo struct {
	Name        string    `json:"name"`
	Group       string    `json:"group"`
	Streams     []string  `json:"streams"`
	Types       []string  `json:"types,omitempty"`
	OrderingKey string    `json:"ordering_key,omitempty"`
	MaxAttempts int       `json:"max_attempts"`
	Concurrency int       `json:"concurrency"`
	DeadLetter  string    `json:"dead_letter_stream"`
	RetryQueue  string    `json:"retry_queue"`
	StartedAt   time.Time `json:"started_at"`
	Consumer    string    `json:"consumer"`
}

func (f *function) info() FunctionInfo {
	types := append([]string(nil), f.Types...)
	sort.Strings(types)
	return FunctionInfo{
		Name: f.Name, Group: f.Name, Streams: f.Streams, Types: types, OrderingKey: f.OrderingKey,
		MaxAttempts: f.MaxAttempts, Concurrency: f.Concurrency,
		DeadLetter: DeadLetterStream(f.Name), RetryQueue: RetryQueue(f.Name),
		StartedAt: time.Now().UTC(), Consumer: f.rt.cfg.ConsumerName,
	}
}

// register writes the function's FunctionInfo to RegistryKey.
func (f *function) register(ctx context.Context) error {
	b, err := json.Marshal(f.info())
	if err != nil {
		return err
	}
	if err := f.rt.rdb.HSet(ctx, RegistryKey, f.Name, b).Err(); err != nil {
		return fmt.Errorf("register %s in %s: %w", f.Name, RegistryKey, err)
	}
	return nil
}

// ListFunctions returns the functions that have registered, by name.
func ListFunctions(ctx context.Context, rdb redis.UniversalClient) ([]FunctionInfo, error) {
	all, err := rdb.HGetAll(ctx, RegistryKey).Result()
	if err != nil {
		return nil, fmt.Errorf("HGETALL %s: %w", RegistryKey, err)
	}
	out := make([]FunctionInfo, 0, len(all))
	for name, v := range all {
		var fi FunctionInfo
		if err := json.Unmarshal([]byte(v), &fi); err != nil {
			return nil, fmt.Errorf("registry entry %s: %w", name, err)
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
