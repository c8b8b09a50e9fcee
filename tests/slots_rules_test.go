package tests

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/shop/gateway/paging"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
	"github.com/ordershop/functions/runtime/partition"
)

// slotRule is one family of keys of the shop and the slot it must be on.
type slotRule struct {
	// name names the family in failures.
	name string
	// re matches the family's keys, whole.
	re *regexp.Regexp
	// on returns, from re's submatches of a key, a name that hashes to
	// the slot the key must be on (the key itself for a key of its own
	// slot), or an error if the key is of the family's form but wrong
	// (a partition out of range).
	on func(m []string) (string, error)
}

// checkKeySlots fails t for every key of got that no rule of
// slotRules(count) matches — a new key family must say where it belongs —
// or that is not on the slot its rule expects; count is the shop's
// partition count.
func checkKeySlots(t *testing.T, got slotaudit.Checked, count int) {
	t.Helper()
	rules := slotRules(count)
	keys := make([]string, 0, len(got.Slots))
	for k := range got.Slots {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	unknown := 0
	for _, k := range keys {
		i := slices.IndexFunc(rules, func(r slotRule) bool { return r.re.MatchString(k) })
		if i < 0 {
			if unknown++; unknown <= maxUnknownShown {
				t.Errorf("key %q (slot %d, by %v) is of no known family: add its rule to slotRules", k, got.Slots[k], got.Commands[k])
			}
			continue
		}
		r := rules[i]
		want, err := r.on(r.re.FindStringSubmatch(k))
		if err != nil {
			t.Errorf("key %q (%s, by %v): %v", k, r.name, got.Commands[k], err)
			continue
		}
		if s := int64(redistest.Slot(want)); got.Slots[k] != s {
			t.Errorf("key %q (%s, by %v) is on slot %d, want %d (that of %q)", k, r.name, got.Commands[k], got.Slots[k], s, want)
		}
	}
	if unknown > maxUnknownShown {
		t.Errorf("%d keys of no known family in all (the first %d shown)", unknown, maxUnknownShown)
	}
}

// maxUnknownShown is how many keys of no known family checkKeySlots names.
const maxUnknownShown = 20

// Parts of the rules' patterns.
var (
	reAgg  = "(" + strings.Join([]string{model.AggCustomer, model.AggProduct, model.AggInventory, model.AggOrder, model.AggBilling, model.AggMail}, "|") + ")"
	reFn   = "(" + strings.Join(model.Functions(), "|") + ")"
	reUUID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
	reHash = "(" + strings.Join([]string{"customers", "products", "inventory", "orders", "billings", "mails"}, "|") + ")"
)

// slotRules are the shop's key families (docs/data-model.md, the
// runtime's keys) for a shop of count partitions.
func slotRules(count int) []slotRule {
	// valid is the tag of partition n, if it is one of the shop's.
	valid := func(n string) (string, error) {
		p, err := strconv.Atoi(n)
		if err != nil || p < 0 || p >= count {
			return "", fmt.Errorf("partition %s of %d", n, count)
		}
		return partition.Tag(p), nil
	}
	// of is the tag of the partition of id, which the key's tag {p<n>}
	// must be.
	of := func(n, id string) (string, error) {
		want := partition.Of(id, count)
		if n != strconv.Itoa(want) {
			return "", fmt.Errorf("tagged {p%s}, but %s is of partition %d", n, id, want)
		}
		return partition.Tag(want), nil
	}
	self := func(m []string) (string, error) { return m[0], nil }
	rule := func(name, re string, on func(m []string) (string, error)) slotRule {
		return slotRule{name: name, re: regexp.MustCompile("^" + re + "$"), on: on}
	}
	return []slotRule{
		// The event log and the runtime's per-partition keys: the partition's slot.
		rule("event stream", `events:`+reAgg+`:\{p(\d+)\}`, func(m []string) (string, error) { return valid(m[2]) }),
		rule("partition count", `events:`+reAgg+`:partitions`, self),
		rule("partition lease/epoch", `fn:\{p(\d+)\}:`+reFn+`:(lease|epoch)`, func(m []string) (string, error) { return valid(m[1]) }),
		rule("done records", `fn:\{p(\d+)\}:`+reFn+`:done:(\d+:\d+)?`, func(m []string) (string, error) { return valid(m[1]) }),
		// The runtime's per-function keys: the function's slot.
		rule("members/alive", `fn:\{`+reFn+`\}:(members|alive:.+)`, func(m []string) (string, error) { return "{" + m[1] + "}", nil }),
		rule("retry queue", `asynq:\{fn\.`+reFn+`\}:.+`, func(m []string) (string, error) { return "{fn." + m[1] + "}", nil }),
		rule("asynq servers/workers", `asynq:(servers|workers)(:\{[^}]+\})?`, self),
		rule("dead letters", `dlq:`+reFn, self),
		rule("registry", regexp.QuoteMeta(model.RegistryKey), self),
		// The gateway's keys: the partition of their entity, or of the
		// Idempotency-Key's hash.
		rule("deleted guard", `shop:guard:deleted:\{p(\d+)\}:`+reAgg+`:`+reUUID, func(m []string) (string, error) { return of(m[1], m[3]) }),
		rule("paid/inventory guard", `shop:guard:(paid|inventory):\{p(\d+)\}:`+reUUID, func(m []string) (string, error) { return of(m[2], m[3]) }),
		rule("Idempotency-Key record", `shop:idempotency:\{p(\d+)\}:([0-9a-f]{64})`, func(m []string) (string, error) { return of(m[1], m[2]) }),
		rule("step marker", `shop:commit:\{p(\d+)\}:`+reUUID, func(m []string) (string, error) { return valid(m[1]) }),
		rule("cursor key", regexp.QuoteMeta(paging.CursorKeyKey), self),
		// The read model: each side key in its hash's slot; the stock one slot.
		rule("read model hash", `shop:`+reHash, self),
		rule("read model side key", `\{(shop:`+reHash+`)\}:(ids|tombstones|status|paid)`, func(m []string) (string, error) { return m[1], nil }),
		rule("stock", `shop:stock`, self),
		rule("stock record", `\{shop:stock\}:(entry|order):`+reUUID, func([]string) (string, error) { return "shop:stock", nil }),
	}
}
