// Package bench measures the runtime against the alternatives it replaces,
// on the same Redis and the same events: the reference loop a user would
// write by hand with go-redis (reference.go) and asynq. Every measurement uses a stream, group and queue of its own
// (bench:<random>) and deletes them afterwards, so it can run against a
// shared Redis; every loop is bounded in count and time.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options describe one drain measurement.
type Options struct {
	// Events is how many events are pre-loaded and drained.
	Events int
	// Concurrency is the number of handler invocations at once.
	Concurrency int
	// Payload is the size of each event's data, in bytes (at least 16).
	Payload int
	// Emit makes the handler emit one event per input (runtime only).
	Emit bool
	// Timeout bounds the whole measurement.
	Timeout time.Duration

	// inspect, when set (by tests), is called with the drain's stream and
	// group after the measurement, before the cleanup deletes them.
	inspect func(stream, group string)
	// seen, when set (by tests), is called by the reference loop's handler
	// with each entry's event_id.
	seen func(eventID string)
	// profile, when set, receives a CPU profile (runtime/pprof) of this
	// process from the drain's start to its last ack (runtime only).
	profile io.Writer
}

func (o *Options) defaults() {
	if o.Events <= 0 {
		o.Events = 100_000
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Payload < 16 {
		o.Payload = 256
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
}

// DrainResult is the outcome of a drain measurement.
type DrainResult struct {
	System       string  `json:"system"`
	Events       int     `json:"events"`
	Concurrency  int     `json:"concurrency"`
	Emit         bool    `json:"emit"`
	Payload      int     `json:"payload"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"drain_events_per_sec"`
	// ProcessCPUPer100k and RedisCPUPer100k are the CPU seconds (user+sys)
	// this process and redis-server spent on the drain, from its start
	// until its last ack, per 100,000 events (see cpu.go).
	ProcessCPUPer100k float64 `json:"process_cpu_s_per_100k"`
	RedisCPUPer100k   float64 `json:"redis_cpu_s_per_100k"`
	// AllocsPerEvent and AllocBytesPerEvent are this process's heap
	// allocations over the drain (runtime.MemStats Mallocs and
	// TotalAlloc) per event.
	AllocsPerEvent     float64 `json:"allocs_per_event"`
	AllocBytesPerEvent float64 `json:"alloc_bytes_per_event"`
	// RedisCommands is redis-server's time per event, command by command
	// (INFO commandstats, cmdstats.go), most first.
	RedisCommands []CommandCost `json:"redis_commands,omitempty"`
}

// TotalCPUPer100k is the CPU of the process and of redis-server together.
func (d DrainResult) TotalCPUPer100k() float64 { return d.ProcessCPUPer100k + d.RedisCPUPer100k }

func newResult(system string, o Options, elapsed time.Duration, cpu cpuSample) DrainResult {
	return DrainResult{
		System: system, Events: o.Events, Concurrency: o.Concurrency, Emit: o.Emit, Payload: o.Payload,
		Seconds: elapsed.Seconds(), EventsPerSec: float64(o.Events) / elapsed.Seconds(),
		ProcessCPUPer100k: per100k(cpu.process, o.Events), RedisCPUPer100k: per100k(cpu.redis, o.Events),
		AllocsPerEvent: float64(cpu.mallocs) / float64(o.Events), AllocBytesPerEvent: float64(cpu.allocBytes) / float64(o.Events),
		RedisCommands: commandCosts(cpu.cmds, cpu.sent, o.Events),
	}
}

// name returns a fresh "bench:<random>" name.
func name() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "bench:" + hex.EncodeToString(b)
}

// payload returns a JSON object of n bytes.
func payload(n int) string {
	return `{"p":"` + strings.Repeat("x", max(n-8, 0)) + `"}`
}

// preload XADDs n well-formed events to stream, pipelined.
func preload(ctx context.Context, rdb redis.UniversalClient, stream string, n, size int) error {
	data := payload(size)
	const chunk = 1000
	for i := 0; i < n; i += chunk {
		pipe := rdb.Pipeline()
		for j := i; j < min(i+chunk, n); j++ {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{
				"type", "bench.event", "event_id", "ev-" + strconv.Itoa(j), "data", data}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("preload %s: %w", stream, err)
		}
	}
	return nil
}
