package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/runtime"
)

// redeployed is the function this test rolls.
const redeployed = "billing"

// TestRedeployOneFunctionUnderLoad runs every process of the shop, places
// orders through the gateway at a steady pace, and meanwhile stops billing
// (SIGTERM), builds it again to a new path and starts the new binary.
// Afterwards every order has exactly one payment request (in the read
// model and in events:mail: none lost, none handled twice), crm's
// thank-you mails are complete, and no other process was restarted.
func TestRedeployOneFunctionUnderLoad(t *testing.T) {
	procs := shopkit.Processes()
	srv := redistest.New(t, redistest.Options{})
	rdb := srv.Client(t)
	f := newFleet(t, srv.URL(), "SHUTDOWN_TIMEOUT=5s", "READ_BLOCK=200ms",
		"RETRY_BACKOFF_BASE=100ms", "RETRY_POLL_INTERVAL=100ms", "CLAIM_MIN_IDLE=2s", "CLAIM_INTERVAL=500ms")
	for _, n := range procs {
		f.Start(n)
	}
	f.waitReady(procs, 30*time.Second)
	pids := map[string]int{}
	for _, n := range procs {
		pids[n] = f.Proc(n).Pid()
	}

	shop := shopkit.NewClient(f.Proc(shopkit.Gateway).URL())
	customer := mustCreate(t, shop, "/customers", map[string]any{"name": "Ada", "email": "ada@example.com"})
	product := mustCreate(t, shop, "/products", map[string]any{"name": "Pen", "price": 250})
	mustCreate(t, shop, "/inventory", map[string]any{"product_id": product, "amount": 100000})

	load := startOrderLoad(shop, customer, product, 10*time.Millisecond, 3000, 60*time.Second)
	waitPlaced(t, load, 50)

	stopping := load.placed()
	stopTook := f.Stop(redeployed, 30*time.Second)
	buildStart := time.Now()
	newDir := t.TempDir()
	if err := proctest.Build(newDir, redeployed); err != nil {
		t.Fatal(err)
	}
	buildTook := time.Since(buildStart)
	backlog := groupLag(t, rdb, model.Stream(model.AggOrder), redeployed)
	restarted := time.Now()
	newBilling := f.StartBinary(redeployed, filepath.Join(newDir, redeployed))
	f.waitReady([]string{redeployed}, 30*time.Second)
	restarting := load.placed()
	waitPlaced(t, load, restarting+50)
	orders, errs := load.finish()
	for _, err := range errs {
		t.Errorf("order load: %v", err)
	}
	t.Logf("%d orders placed; %d while %s was down (stop %s, rebuild %s), its lag on events:order at restart: %d",
		len(orders), restarting-stopping, redeployed, stopTook.Round(time.Millisecond), buildTook.Round(time.Millisecond), backlog)
	if backlog == 0 {
		t.Errorf("billing had no backlog at restart: the redeploy did not happen under load")
	}

	shopkit.Settle(t, rdb, 60*time.Second)
	waitMails(t, shop, len(orders))
	checkOrdersAccepted(t, shop, orders)
	checkMailsOnce(t, shop, orders)
	checkPaymentRequestsEmittedOnce(t, rdb, orders)

	for _, n := range procs {
		p := f.Proc(n)
		switch {
		case !p.Alive():
			t.Errorf("%s is not running", n)
		case n != redeployed && p.Pid() != pids[n]:
			t.Errorf("%s restarted: pid %d, was %d", n, p.Pid(), pids[n])
		}
	}
	if newBilling.Pid() == pids[redeployed] {
		t.Errorf("%s still runs as pid %d", redeployed, pids[redeployed])
	}
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(newBilling.Pid()) + "/exe"); err != nil || exe != newBilling.Path {
		t.Errorf("%s runs %q (err %v), want the new binary %s", redeployed, exe, err, newBilling.Path)
	}
	checkReregistered(t, rdb, restarted)
}

// mustCreate creates one entity and returns its id.
func mustCreate(t *testing.T, c shopkit.Client, path string, v any) string {
	t.Helper()
	ids, err := c.Create(path, v)
	if err != nil || len(ids) != 1 {
		t.Fatalf("create %s: ids %v, err %v", path, ids, err)
	}
	return ids[0]
}

// waitPlaced waits until the load has placed at least n orders.
func waitPlaced(t *testing.T, l *orderLoad, n int) {
	t.Helper()
	pollUntil(t, 30*time.Second, func() (bool, string) {
		got := l.placed()
		return got >= n, strconv.Itoa(got) + " orders placed, want " + strconv.Itoa(n)
	})
}

// groupLag is XINFO GROUPS' lag of group on stream (entries not yet
// delivered to it).
func groupLag(t *testing.T, rdb *redis.Client, family, group string) int64 {
	t.Helper()
	streams, err := shopkit.Streams(t.Context(), rdb, family)
	if err != nil {
		t.Fatal(err)
	}
	var lag int64
	found := false
	for _, stream := range streams {
		groups, err := rdb.XInfoGroups(t.Context(), stream).Result()
		if err != nil {
			continue // a partition nothing was written to yet
		}
		for _, g := range groups {
			if g.Name == group {
				lag, found = lag+g.Lag, true
			}
		}
	}
	if !found {
		t.Fatalf("no group %s on the partitions of %s", group, family)
	}
	return lag
}

// checkOrdersAccepted checks that every placed order was accepted.
func checkOrdersAccepted(t *testing.T, c shopkit.Client, ids []string) {
	t.Helper()
	var orders []model.Order
	if err := c.Get("/orders", &orders); err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, o := range orders {
		status[o.ID] = o.Status
	}
	for _, id := range ids {
		if status[id] != model.StatusAccepted {
			t.Errorf("order %s: status %q, want %s", id, status[id], model.StatusAccepted)
		}
	}
}

// checkMailsOnce checks GET /mails: exactly one payment request (billing)
// and one thank-you (crm) per order, and none for other orders.
func checkMailsOnce(t *testing.T, c shopkit.Client, ids []string) {
	t.Helper()
	var mails []model.Mail
	if err := c.Get("/mails", &mails); err != nil {
		t.Fatal(err)
	}
	count := map[string]map[string]int{model.MailPaymentRequest: {}, model.MailThankYou: {}}
	for _, m := range mails {
		if byOrder, ok := count[m.Kind]; ok {
			byOrder[m.OrderID]++
		}
	}
	for kind, byOrder := range count {
		for _, id := range ids {
			if byOrder[id] != 1 {
				t.Errorf("order %s: %d %s mails, want 1", id, byOrder[id], kind)
			}
		}
		if len(byOrder) != len(ids) {
			t.Errorf("%s mails for %d orders, placed %d", kind, len(byOrder), len(ids))
		}
	}
}

// checkPaymentRequestsEmittedOnce reads events:mail (every partition): billing must have
// requested exactly one payment mail per order. The read model records a
// mail once per id, so this is where a second run of billing would show.
func checkPaymentRequestsEmittedOnce(t *testing.T, rdb *redis.Client, ids []string) {
	t.Helper()
	entries, err := shopkit.Entries(t.Context(), rdb, model.Stream(model.AggMail))
	if err != nil {
		t.Fatal(err)
	}
	perOrder := map[string]int{}
	for _, e := range entries {
		if e.Values["type"] != model.MailRequested {
			continue
		}
		data, _ := e.Values["data"].(string)
		var m model.Mail
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("entry %s: data %q: %v", e.ID, data, err)
		}
		if m.Kind == model.MailPaymentRequest {
			perOrder[m.OrderID]++
		}
	}
	for _, id := range ids {
		if perOrder[id] != 1 {
			t.Errorf("order %s: %d payment-request events in %s, want 1", id, perOrder[id], model.Stream(model.AggMail))
		}
	}
	if len(perOrder) != len(ids) {
		t.Errorf("payment requests for %d orders, placed %d", len(perOrder), len(ids))
	}
}

// checkReregistered checks that the new billing process registered itself.
func checkReregistered(t *testing.T, rdb *redis.Client, after time.Time) {
	t.Helper()
	infos, err := runtime.ListFunctions(t.Context(), rdb, model.RegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range infos {
		if fi.Name == redeployed {
			if fi.StartedAt.Before(after.Add(-time.Second)) {
				t.Errorf("%s registry entry started %s, before the restart at %s", redeployed, fi.StartedAt, after)
			}
			return
		}
	}
	t.Errorf("%s not in the registry", redeployed)
}

// waitMails waits until the read model holds a payment request and a
// thank-you for n orders: an invocation waiting for a retry counts as
// caught up, so mails may still be on their way.
func waitMails(t *testing.T, c shopkit.Client, n int) {
	t.Helper()
	pollUntil(t, 30*time.Second, func() (bool, string) {
		var mails []model.Mail
		if err := c.Get("/mails", &mails); err != nil {
			return false, err.Error()
		}
		kinds := map[string]int{}
		for _, m := range mails {
			kinds[m.Kind]++
		}
		return kinds[model.MailPaymentRequest] >= n && kinds[model.MailThankYou] >= n,
			fmt.Sprintf("mails by kind %v, want %d payment requests and thank-yous", kinds, n)
	})
}
