package bench

import (
	"context"
	"math"
	"strconv"
	"testing"
)

// INFO cpu is redis-server's own getrusage: it agrees with the kernel's
// account of the process (/proc/<pid>/stat utime+stime, in ticks of 10ms).
func TestRedisCPUAgreesWithProc(t *testing.T) {
	rdb := kit.Redis.Client(t)
	ctx := context.Background()
	info, err := rdb.InfoMap(ctx, "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	pid := info["Server"]["process_id"]
	// Work for redis-server until it has spent some 0.3s, so that the
	// ticks of 10ms are fine enough to compare.
	var fromInfo float64
	for range 20 {
		if fromInfo, err = redisCPU(ctx, rdb); err != nil || fromInfo >= 0.3 {
			break
		}
		if err = preload(ctx, rdb, "bench:cpu-test", 20000, 256); err != nil {
			break
		}
		rdb.Del(ctx, "bench:cpu-test")
	}
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(pid)
	if err != nil {
		t.Fatalf("process_id %q: %v", pid, err)
	}
	fromProc, err := procCPU(n)
	if err != nil {
		t.Fatal(err)
	}
	// A tick of the kernel's account either way, and the INFO call between.
	if fromProc < 0.1 || math.Abs(fromInfo-fromProc) > 0.02+0.02*fromProc {
		t.Fatalf("INFO cpu says %.3fs, /proc/%s/stat %.2fs", fromInfo, pid, fromProc)
	}
	t.Logf("redis-server CPU: INFO cpu %.3fs, /proc %.2fs", fromInfo, fromProc)
}

// sink keeps the busy loop from being optimised away.
var sink int

func TestProcessCPUGrowsWithWork(t *testing.T) {
	before := processCPU()
	for i := range 200_000_000 {
		sink ^= i * i
	}
	after := processCPU()
	if before <= 0 || after-before < 0.01 {
		t.Fatalf("process CPU %vs then %vs after busy work", before, after)
	}
	t.Logf("busy loop: %.3fs of CPU", after-before)
}
