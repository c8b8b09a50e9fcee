package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// ShopOptions describe an end-to-end load on the shop.
type ShopOptions struct {
	// BinDir holds the function binaries (make build: bin/).
	BinDir string
	// RedisURL is the Redis the processes use (the caller's rdb's); with
	// Cluster it is a REDIS_CLUSTER_URL.
	RedisURL string
	Cluster  bool
	// Rate is the target orders per second; Duration how long orders are sent.
	Rate     int
	Duration time.Duration
	// Clients is the number of concurrent HTTP clients.
	Clients int
	// Instances is how many instances of each ordered function (projector,
	// inventory) run, each owning some of the log's partitions (default 1).
	Instances int
}

// ShopResult is the outcome of a shop load.
type ShopResult struct {
	// Instances is the instances of each ordered function.
	Instances int `json:"instances"`
	// Redis says what the shop ran on: "one node" or "cluster of 3 masters".
	Redis        string             `json:"redis"`
	Orders       int                `json:"orders"`
	OrdersPerSec float64            `json:"orders_per_sec"`
	PostP50ms    float64            `json:"post_p50_ms"`
	PostP99ms    float64            `json:"post_p99_ms"`
	RSSIdleMB    map[string]float64 `json:"rss_idle_mb"`
	RSSLoadMB    map[string]float64 `json:"rss_load_mb"`
	// CPU is the CPU per order of every process and of redis-server.
	CPU ShopCPU `json:"cpu"`
}

// Shop starts every function, seeds products with ample stock, POSTs
// orders at o.Rate for o.Duration, and measures orders/s from the first
// POST until every order's reactions are done (accepted, thank-you and
// payment-request mails sent), the POST latency, and each process's RSS
// idle and at the end of the load. The Redis must be empty.
func Shop(ctx context.Context, rdb redis.UniversalClient, o ShopOptions) (ShopResult, error) {
	if o.Rate <= 0 || o.Duration <= 0 {
		return ShopResult{}, fmt.Errorf("shop load needs a positive rate and duration")
	}
	o.Clients = max(o.Clients, 8)
	o.Instances = max(o.Instances, 1)
	procs := map[string]*process{}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	for _, name := range shopkit.Scaled(o.Instances) {
		p, err := startProcess(o.BinDir, name, o.redisEnv())
		if err != nil {
			return ShopResult{}, err
		}
		procs[name] = p
	}
	res := ShopResult{Instances: o.Instances, Redis: o.redisName(), RSSIdleMB: map[string]float64{}, RSSLoadMB: map[string]float64{}}
	for name, p := range procs {
		rss, err := p.rssMB()
		if err != nil {
			return res, err
		}
		res.RSSIdleMB[name] = rss
	}
	gw := shopkit.NewClient(procs[shopkit.Gateway].URL())
	customer, products, err := seedShop(gw)
	if err != nil {
		return res, err
	}
	total := int(float64(o.Rate) * o.Duration.Seconds())
	cpuBefore, err := sampleShopCPU(ctx, rdb, procs)
	if err != nil {
		return res, err
	}
	start := time.Now()
	lat, err := postOrders(gw, customer, products, o.Rate, total, o.Clients)
	if err != nil {
		return res, err
	}
	for name, p := range procs {
		if rss, err := p.rssMB(); err == nil {
			res.RSSLoadMB[name] = rss
		}
	}
	if err := waitMails(ctx, rdb, 2*total+1, 2*time.Minute); err != nil {
		return res, err
	}
	elapsed := time.Since(start)
	cpuAfter, err := sampleShopCPU(ctx, rdb, procs)
	if err != nil {
		return res, err
	}
	res.CPU = newShopCPU(cpuBefore, cpuAfter, total, numCPU())
	slices.Sort(lat)
	res.Orders = total
	res.OrdersPerSec = float64(total) / elapsed.Seconds()
	res.PostP50ms = ms(lat[len(lat)/2])
	res.PostP99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	return res, nil
}

// redisEnv is the variable that tells the processes where Redis is.
func (o ShopOptions) redisEnv() string {
	if o.Cluster {
		return "REDIS_CLUSTER_URL=" + o.RedisURL
	}
	return "REDIS_URL=" + o.RedisURL
}

// redisName says what the shop runs on, for the report.
func (o ShopOptions) redisName() string {
	if o.Cluster {
		return "cluster of 3 masters"
	}
	return "one node"
}

// seedShop creates a customer and ten products with a large inventory.
func seedShop(gw shopkit.Client) (string, []string, error) {
	ids, err := gw.Create("/customers", map[string]any{"name": "Bench", "email": "bench@example.com"})
	if err != nil {
		return "", nil, err
	}
	customer := ids[0]
	products := make([]map[string]any, 10)
	for i := range products {
		products[i] = map[string]any{"name": fmt.Sprintf("P%d", i), "price": 1 + i}
	}
	pids, err := gw.Create("/products", products)
	if err != nil {
		return "", nil, err
	}
	inv := make([]map[string]any, len(pids))
	for i, p := range pids {
		inv[i] = map[string]any{"product_id": p, "amount": 10_000_000}
	}
	if _, err := gw.Create("/inventory", inv); err != nil {
		return "", nil, err
	}
	return customer, pids, nil
}

// postOrders POSTs total one-product orders at rate per second from
// clients goroutines and returns each POST's latency.
func postOrders(gw shopkit.Client, customer string, products []string, rate, total, clients int) ([]time.Duration, error) {
	var mu sync.Mutex
	lat := make([]time.Duration, 0, total)
	jobs := make(chan int, clients)
	errc := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				body := map[string]any{"customer_id": customer, "product_ids": []string{products[i%len(products)]}}
				t0 := time.Now()
				if _, err := gw.Create("/orders", body); err != nil {
					errc <- err
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for i := range total {
		if wait := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); wait > 0 {
			time.Sleep(wait)
		}
		select {
		case jobs <- i:
		case err := <-errc:
			close(jobs)
			wg.Wait()
			return nil, err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	return lat, nil
}

// waitMails polls until the shop recorded n mails.
func waitMails(ctx context.Context, rdb redis.UniversalClient, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got, err := rdb.HLen(ctx, "shop:mails").Result()
		if err == nil && got >= int64(n) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d mails after %s", got, n, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
