package bench

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// CPU per event: a drain's CPU seconds (user+sys) from its start until its
// last ack, of this process (getrusage RUSAGE_SELF: the runtime, or the
// reference loop, runs in it as a library) and of redis-server (INFO cpu's
// used_cpu_user + used_cpu_sys, which redis-server takes from its own
// getrusage, to the microsecond, summed over every master of a Cluster).
// The machine's noise moves these less than it moves throughput: a drain
// slowed down by a neighbour takes longer but not much more CPU.

// cpuSample is the CPU spent so far, in seconds, with redis-server's
// command counters, the commands this process sent (nil when not
// counted, sent.go) and this process's heap allocations (count, bytes).
type cpuSample struct {
	process, redis      float64
	cmds                cmdStats
	sent                map[string]int64
	mallocs, allocBytes uint64
}

// cpuMeter measures the CPU of one drain.
type cpuMeter struct {
	rdb   redis.UniversalClient
	start cpuSample
	at    time.Time
}

// startCPU collects the garbage of the preload (so that it is not charged
// to the drain), then takes the first sample.
func startCPU(ctx context.Context, rdb redis.UniversalClient) (*cpuMeter, error) {
	goruntime.GC()
	s, err := sampleCPU(ctx, rdb)
	if err != nil {
		return nil, err
	}
	return &cpuMeter{rdb: rdb, start: s, at: time.Now()}, nil
}

// stop takes the second sample and returns the wall time and the CPU spent
// since startCPU.
func (m *cpuMeter) stop(ctx context.Context) (time.Duration, cpuSample, error) {
	elapsed := time.Since(m.at)
	s, err := sampleCPU(ctx, m.rdb)
	if err != nil {
		return 0, cpuSample{}, err
	}
	return elapsed, cpuSample{process: s.process - m.start.process, redis: s.redis - m.start.redis,
		cmds: s.cmds.since(m.start.cmds), sent: sentSince(m.start.sent, s.sent),
		mallocs: s.mallocs - m.start.mallocs, allocBytes: s.allocBytes - m.start.allocBytes}, nil
}

// sampleCPU reads this process's CPU time and allocations, the commands
// it sent, and redis-server's CPU time and command counters.
func sampleCPU(ctx context.Context, rdb redis.UniversalClient) (cpuSample, error) {
	r, err := redisCPU(ctx, rdb)
	if err != nil {
		return cpuSample{}, err
	}
	cmds, err := redisCommandStats(ctx, rdb)
	if err != nil {
		return cpuSample{}, err
	}
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return cpuSample{process: processCPU(), redis: r, cmds: cmds, sent: sentSnapshot(rdb), mallocs: ms.Mallocs, allocBytes: ms.TotalAlloc}, nil
}

// processCPU returns this process's user+sys CPU seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return tvSeconds(ru.Utime) + tvSeconds(ru.Stime)
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// redisCPU returns redis-server's user+sys CPU seconds (INFO cpu), summed
// over every master.
func redisCPU(ctx context.Context, rdb redis.UniversalClient) (float64, error) {
	var (
		mu    sync.Mutex
		total float64
	)
	err := eachMaster(ctx, rdb, func(ctx context.Context, node redis.Cmdable) error {
		info, err := node.InfoMap(ctx, "cpu").Result()
		if err != nil {
			return fmt.Errorf("INFO cpu: %w", err)
		}
		sec := 0.0
		for _, field := range []string{"used_cpu_user", "used_cpu_sys"} {
			v, err := strconv.ParseFloat(info["CPU"][field], 64)
			if err != nil {
				return fmt.Errorf("INFO cpu %s: %w", field, err)
			}
			sec += v
		}
		mu.Lock()
		total += sec
		mu.Unlock()
		return nil
	})
	return total, err
}

// per100k scales CPU seconds spent on events to seconds per 100,000.
func per100k(sec float64, events int) float64 {
	return sec * 100_000 / float64(events)
}
