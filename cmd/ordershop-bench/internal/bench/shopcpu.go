package bench

import (
	"context"
	"fmt"
	"math"
	goruntime "runtime"

	"github.com/redis/go-redis/v9"
)

// LoadGenerator names this process (the HTTP clients of the shop load)
// among the shop's CPU figures.
const LoadGenerator = "load generator (ordershop-bench)"

// ShopCPU is the CPU the shop's run took per order, from just before the
// first POST until every reaction was done, and the throughput that
// bounds on this machine.
type ShopCPU struct {
	// ProcessMsPerOrder is each function process's utime+stime
	// (/proc/<pid>/stat), and LoadGenerator's, in ms per order.
	ProcessMsPerOrder map[string]float64 `json:"process_cpu_ms_per_order"`
	// RedisMsPerOrder is redis-server's (INFO cpu, summed over masters).
	RedisMsPerOrder float64 `json:"redis_cpu_ms_per_order"`
	// TotalMsPerOrder is all of them together: every process on the
	// machine that the run kept busy.
	TotalMsPerOrder float64 `json:"total_cpu_ms_per_order"`
	// Cores is runtime.NumCPU(); CeilingOrdersPerSec = Cores / total CPU
	// seconds per order, the most this machine could do at that cost.
	Cores               int     `json:"cores"`
	CeilingOrdersPerSec float64 `json:"ceiling_orders_per_sec"`
}

// shopCPUSample is the CPU seconds of every process, of this one and of
// redis-server at one moment.
type shopCPUSample struct {
	procs      map[string]float64
	self, rdis float64
}

// sampleShopCPU reads the CPU of procs, of this process and of redis.
func sampleShopCPU(ctx context.Context, rdb redis.UniversalClient, procs map[string]*process) (shopCPUSample, error) {
	s := shopCPUSample{procs: map[string]float64{}, self: processCPU()}
	for name, p := range procs {
		sec, err := procCPU(p.Pid())
		if err != nil {
			return s, fmt.Errorf("%s: %w", name, err)
		}
		s.procs[name] = sec
	}
	r, err := redisCPU(ctx, rdb)
	s.rdis = r
	return s, err
}

// newShopCPU turns two samples around orders into figures per order.
func newShopCPU(before, after shopCPUSample, orders, cores int) ShopCPU {
	perOrder := func(sec float64) float64 { return sec * 1000 / float64(orders) }
	c := ShopCPU{ProcessMsPerOrder: map[string]float64{}, Cores: cores}
	for name, sec := range after.procs {
		c.ProcessMsPerOrder[name] = perOrder(sec - before.procs[name])
		c.TotalMsPerOrder += c.ProcessMsPerOrder[name]
	}
	c.ProcessMsPerOrder[LoadGenerator] = perOrder(after.self - before.self)
	c.RedisMsPerOrder = perOrder(after.rdis - before.rdis)
	c.TotalMsPerOrder += c.ProcessMsPerOrder[LoadGenerator] + c.RedisMsPerOrder
	c.CeilingOrdersPerSec = ceilingOrders(c.TotalMsPerOrder, cores)
	return c
}

// ceilingOrders is the orders per second cores can do at msPerOrder of CPU.
func ceilingOrders(msPerOrder float64, cores int) float64 {
	if msPerOrder <= 0 {
		return math.Inf(1)
	}
	return float64(cores) * 1000 / msPerOrder
}

// budgetMs is the CPU per order that reaching ordersPerSec allows.
func budgetMs(ordersPerSec float64, cores int) float64 {
	return float64(cores) * 1000 / ordersPerSec
}

// numCPU is the machine's cores, for the ceilings.
func numCPU() int { return goruntime.NumCPU() }
