package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/internal/testkit/clitest"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestHelpOnEveryCommand(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if sub.Name() != "help" && sub.Name() != "completion" {
				walk(sub, append(append([]string(nil), path...), sub.Name()))
			}
		}
	}
	walk(newRootCmd(&app{}), nil)
	if len(paths) < 9 {
		t.Fatalf("only %d commands found", len(paths))
	}
	for _, p := range paths {
		t.Run(strings.Join(append([]string{"ordershop"}, p...), " "), func(t *testing.T) {
			// No Redis is needed for help.
			code, out, _ := cli(t, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, append(p, "--help")...)
			if code != exitOK || !strings.Contains(out, "Usage:") {
				t.Fatalf("exit %d, output:\n%s", code, out)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	rdb := srv.Client(t)
	fn := opstest.Unique("billing")
	id := seedOne(t, fn)
	cases := []clitest.ExitCase{
		{Name: "status", Args: []string{"status"}, Want: exitOK},
		{Name: "no command shows help", Want: exitOK},
		{Name: "unknown command", Args: []string{"stauts"}, Want: exitUsage},
		{Name: "unknown subcommand", Args: []string{"dlq", "lst"}, Want: exitUsage},
		{Name: "unknown flag", Args: []string{"status", "--nope"}, Want: exitUsage},
		{Name: "missing argument", Args: []string{"dlq", "show"}, Want: exitUsage},
		{Name: "extra argument", Args: []string{"status", "x"}, Want: exitUsage},
		{Name: "watch interval out of bounds", Args: []string{"status", "--watch", "--interval", "10ms"}, Want: exitUsage},
		{Name: "bad limit", Args: []string{"dlq", "show", fn, "--limit", "0"}, Want: exitUsage},
		{Name: "replay without a selection", Args: []string{"dlq", "replay", fn}, Want: exitUsage},
		{Name: "replay with ids and all", Args: []string{"dlq", "replay", fn, "--all", "--id", id}, Want: exitUsage},
		{Name: "replay a malformed id", Args: []string{"dlq", "replay", fn, "--id", "abc"}, Want: exitUsage},
		{Name: "purge without --yes", Args: []string{"dlq", "purge", fn, "--all"}, Want: exitUsage},
		{Name: "show an unknown function", Args: []string{"dlq", "show", "no-such-fn"}, Want: exitNotFound},
		{Name: "show an unknown id", Args: []string{"dlq", "show", fn, "--id", "1-1"}, Want: exitNotFound},
		{Name: "replay an unknown id", Args: []string{"dlq", "replay", fn, "--id", "1-1"}, Want: exitNotFound},
		{Name: "purge an unknown id", Args: []string{"dlq", "purge", fn, "--id", "1-1", "--yes"}, Want: exitNotFound},
		{Name: "history of an unknown entity", Args: []string{"events", "show", "order", "nobody"}, Want: exitNotFound},
		{Name: "Redis unreachable", Env: map[string]string{"REDIS_URL": "redis://:s3cret@127.0.0.1:1/0"}, Args: []string{"dlq", "list"}, Want: exitError},
		{Name: "bad REDIS_URL", Env: map[string]string{"REDIS_URL": "redis://:s3cret@127.0.0.1:1/db"}, Args: []string{"dlq", "list"}, Want: exitError},
	}
	clitest.ExitCodes(t, cli, "s3cret", cases)
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 1 {
		t.Fatalf("%d dead letters after the refused and failed commands, want the 1 seeded", n)
	}
}

func TestJSONOutputParses(t *testing.T) {
	rdb := srv.Client(t)
	fn := opstest.Unique("crm")
	id := seedOne(t, fn)
	agg := opstest.Unique("customer")
	opstest.Publish(t, rdb, "events:"+agg, "customer.created", "ev1", "c1", map[string]string{"name": "Ada"})

	var status []ops.FunctionStatus
	decode(t, &status, "status", "--json")
	var list []ops.DLQSummary
	decode(t, &list, "dlq", "list", "--json")
	var page ops.DLQPage
	decode(t, &page, "dlq", "show", fn, "--json")
	if page.Total != 1 || page.DeadLetters[0].ID != id || compact(t, page.DeadLetters[0].Data) != `{"id":"o1"}` {
		t.Errorf("dlq show --json: %+v", page)
	}
	var history []ops.Event
	decode(t, &history, "events", "show", agg, "c1", "--json")
	if len(history) != 1 || history[0].Type != "customer.created" {
		t.Errorf("events show --json: %+v", history)
	}
	var purged ops.PurgeResult
	decode(t, &purged, "dlq", "purge", fn, "--all", "--yes", "--json")
	if purged.Purged != 1 {
		t.Errorf("purge --json: %+v", purged)
	}
	if !containsFunction(status, list, fn) {
		t.Errorf("status or dlq list does not mention %s", fn)
	}
}

func TestShowPrettyPrints(t *testing.T) {
	fn := opstest.Unique("inventory")
	id := seedOne(t, fn)
	out, _ := wantCode(t, exitOK, "dlq", "show", fn)
	for _, want := range []string{id, "order.created", "payment API: 503", "attempts:      5", "events:order 1-1", "\"id\": \"o1\"", "1 dead letter(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _ = wantCode(t, exitOK, "dlq", "list")
	if !strings.Contains(out, fn) || !strings.Contains(out, "1× payment API: 503") {
		t.Errorf("dlq list:\n%s", out)
	}
}

func TestPurgeRefusesWithoutYesThenDeletes(t *testing.T) {
	rdb := srv.Client(t)
	fn := opstest.Unique("mailer")
	a, b, c := seedOne(t, fn), seedOne(t, fn), seedOne(t, fn)

	_, errOut := wantCode(t, exitUsage, "dlq", "purge", fn, "--id", a)
	if !strings.Contains(errOut, "without --yes") {
		t.Errorf("refusal says %q", errOut)
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 3 {
		t.Fatalf("refused purge deleted something: %d left", n)
	}
	out, _ := wantCode(t, exitOK, "dlq", "purge", fn, "--id", a, "--yes")
	if !strings.Contains(out, "purged 1") {
		t.Errorf("purge by id says %q", out)
	}
	dls := opstest.DeadLetters(t, rdb, fn)
	if len(dls) != 2 || dls[0].ID != b || dls[1].ID != c {
		t.Fatalf("after purging %s: %v", a, dls)
	}
	wantCode(t, exitUsage, "dlq", "purge", fn, "--all")
	out, _ = wantCode(t, exitOK, "dlq", "purge", fn, "--all", "-y")
	if !strings.Contains(out, "purged 2") || len(opstest.DeadLetters(t, rdb, fn)) != 0 {
		t.Fatalf("purge --all says %q", out)
	}
}

// seedOne writes one dead letter of function and returns its id.
func seedOne(t *testing.T, function string) string {
	t.Helper()
	return opstest.Seed(t, srv.Client(t), function, opstest.DeadLetter{
		Stream: "events:order", EntryID: "1-1", Type: "order.created", EventID: opstest.Unique("ev"),
		Data: `{"id":"o1"}`, Error: "payment API: 503", Attempts: 5, Failed: time.Now().Add(-time.Minute),
	})
}

// decode runs a command that must succeed and parses its JSON output.
func decode(t *testing.T, v any, args ...string) {
	t.Helper()
	out, _ := wantCode(t, exitOK, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("ordershop %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func containsFunction(st []ops.FunctionStatus, list []ops.DLQSummary, fn string) bool {
	found := 0
	for _, f := range st {
		if f.Name == fn && f.Dead == 1 {
			found++
		}
	}
	for _, s := range list {
		if s.Function == fn && s.Count == 1 {
			found++
		}
	}
	return found == 2
}

// compact removes the indentation the JSON output adds.
func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
