package slotaudit

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Checked is what CheckUnits found.
type Checked struct {
	// Kinds counts the units checked by Unit.Kind.
	Kinds map[string]int
	// Slots is the hash slot of every key of every unit.
	Slots map[string]int64
	// Commands names, for each key, the commands that touched it (each
	// once, such as "evalsha" for a script's declared key, "lua HSET" for
	// a command a script ran, "xadd").
	Commands map[string][]string
}

// CheckUnits fails t for every unit whose keys — a script's declared keys
// and the keys of every command it ran, a MULTI block's, a command's —
// are in more than one hash slot, asking rdb (a client of any node of the
// cluster) COMMAND GETKEYS and CLUSTER KEYSLOT, and returns what it saw.
// Violations of one kind (the same script, the same commands) are
// reported once, with their count.
func CheckUnits(t testing.TB, rdb *redis.Client, units []Unit) Checked {
	t.Helper()
	ctx := context.Background()
	slots := slotCache{rdb: rdb, of: map[string]int64{}}
	out := Checked{Kinds: map[string]int{}, Slots: slots.of, Commands: map[string][]string{}}
	seen := map[string]bool{}
	// first is the first violation of each kind, in order; count counts them.
	var first []string
	example := map[string]string{}
	count := map[string]int{}
	for _, u := range units {
		out.Kinds[u.Kind]++
		bad, err := slots.violation(ctx, unit(u.Commands))
		if err != nil {
			t.Fatalf("%v", err)
		}
		if bad != "" {
			kind := u.Kind + " " + shape(u)
			if count[kind] == 0 {
				first = append(first, kind)
				example[kind] = fmt.Sprintf("%s unit, e.g. of client %s on %s: %s", u.Kind, u.Client, u.Node, bad)
			}
			count[kind]++
		}
		for i, args := range u.Commands {
			keys, err := keysOf(ctx, rdb, args)
			if err != nil {
				t.Fatalf("%v", err)
			}
			name := fmt.Sprint(args[0])
			if u.Kind == "script" && i > 0 {
				name = "lua " + name
			}
			for _, k := range keys {
				if _, ok := slots.of[k]; !ok {
					s, err := rdb.ClusterKeySlot(ctx, k).Result()
					if err != nil {
						t.Fatalf("slotaudit: CLUSTER KEYSLOT %s: %v", k, err)
					}
					slots.of[k] = s
				}
				if !seen[k+"\x00"+name] {
					seen[k+"\x00"+name] = true
					out.Commands[k] = append(out.Commands[k], name)
				}
			}
		}
	}
	for _, kind := range first {
		t.Errorf("slotaudit: %d× %s", count[kind], example[kind])
	}
	return out
}

// shape is what makes two violations alike: the same script (its body or
// SHA), or the same command names of a MULTI block or a command.
func shape(u Unit) string {
	first := u.Commands[0]
	if u.Kind == "script" && len(first) > 1 {
		return fmt.Sprint(first[1])
	}
	names := make([]string, len(u.Commands))
	for i, args := range u.Commands {
		names[i] = strings.ToLower(fmt.Sprint(args[0]))
	}
	return strings.Join(names, " ")
}
