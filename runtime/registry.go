package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// FunctionInfo is what a function publishes about itself in its process's
// registry (Config.RegistryKey, a hash: field function name, value this as
// JSON). Operators' tools read it to find the functions, their streams and
// groups.
type FunctionInfo struct {
	Name    string   `json:"name"`
	Group   string   `json:"group"`
	Streams []string `json:"streams"`
	// Families are the partitioned families the function consumes (its
	// Streams are then their partitions); Leases says its partitions are
	// owned by one instance at a time (Partitioned with an OrderingKey).
	Families    []FamilyInfo `json:"families,omitempty"`
	Leases      bool         `json:"leases,omitempty"`
	Types       []string     `json:"types,omitempty"`
	OrderingKey string       `json:"ordering_key,omitempty"`
	MaxAttempts int          `json:"max_attempts"`
	Concurrency int          `json:"concurrency"`
	DeadLetter  string       `json:"dead_letter_stream"`
	RetryQueue  string       `json:"retry_queue"`
	StartedAt   time.Time    `json:"started_at"`
	Consumer    string       `json:"consumer"`
}

// FamilyInfo is one partitioned family a function consumes.
type FamilyInfo struct {
	Name       string `json:"name"`
	Partitions int    `json:"partitions"`
}

// info is what the function publishes about itself: streams are the
// streams it reads, families its partitioned families.
func (h *host) info(streams []string, families []partition.Family) FunctionInfo {
	f := &h.fn
	types := append([]string(nil), f.Types...)
	sort.Strings(types)
	var fams []FamilyInfo
	for _, fam := range families {
		fams = append(fams, FamilyInfo{Name: fam.Name, Partitions: fam.Count})
	}
	return FunctionInfo{
		Name: f.Name, Group: f.Name, Streams: streams, Types: types, OrderingKey: f.OrderingKey,
		Families: fams, Leases: f.Partitioned && f.OrderingKey != "",
		MaxAttempts: f.MaxAttempts, Concurrency: f.Concurrency,
		DeadLetter: DeadLetterStream(f.Name), RetryQueue: RetryQueue(f.Name),
		StartedAt: time.Now().UTC(), Consumer: h.cfg.ConsumerName,
	}
}

// ListFunctions returns the functions that have registered in registryKey
// (their processes' Config.RegistryKey; "" means DefaultRegistryKey), by
// name.
func ListFunctions(ctx context.Context, client redis.UniversalClient, registryKey string) ([]FunctionInfo, error) {
	if registryKey == "" {
		registryKey = DefaultRegistryKey
	}
	all, err := rdb.New(client).Registered(ctx, registryKey)
	if err != nil {
		return nil, err
	}
	out := make([]FunctionInfo, 0, len(all))
	for name, v := range all {
		fi := FunctionInfo{Name: name} // the field's name unless the entry says otherwise
		if err := json.Unmarshal([]byte(v), &fi); err != nil {
			return nil, fmt.Errorf("registry entry %s: %w", name, err)
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
