package bench

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Redis's side of a drain, command by command: the delta of INFO
// commandstats (calls and usec of every command, summed over the masters
// of a Cluster) from the drain's start to its last ack. A command that a
// script calls (redis.call) is counted on its own line and its time is
// also part of the script's EVALSHA line; the commands this process sent
// itself (sent.go) tell the two apart.

// cmdStat is one command's counters in INFO commandstats.
type cmdStat struct {
	Calls int64
	Usec  int64
}

// cmdStats are INFO commandstats' counters by lower-case command name
// ("evalsha", "xreadgroup", "client|setname"…).
type cmdStats map[string]cmdStat

// parseCommandStats reads the body of INFO commandstats: lines such as
// "cmdstat_xadd:calls=3,usec=12,usec_per_call=4.00,rejected_calls=0,failed_calls=0".
// Other lines (the section header, blank lines) are skipped.
func parseCommandStats(text string) (cmdStats, error) {
	out := cmdStats{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "cmdstat_")
		if !ok {
			continue
		}
		name, fields, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, fmt.Errorf("commandstats line %q: no colon", line)
		}
		var s cmdStat
		for _, f := range strings.Split(fields, ",") {
			k, v, _ := strings.Cut(f, "=")
			var err error
			switch k {
			case "calls":
				s.Calls, err = strconv.ParseInt(v, 10, 64)
			case "usec":
				s.Usec, err = strconv.ParseInt(v, 10, 64)
			}
			if err != nil {
				return nil, fmt.Errorf("commandstats line %q: %w", line, err)
			}
		}
		out[strings.ToLower(name)] = s
	}
	return out, nil
}

// add sums o into s.
func (s cmdStats) add(o cmdStats) {
	for k, v := range o {
		t := s[k]
		t.Calls += v.Calls
		t.Usec += v.Usec
		s[k] = t
	}
}

// since returns the counters that grew from before to s, leaving out
// INFO (the meter's own calls).
func (s cmdStats) since(before cmdStats) cmdStats {
	out := cmdStats{}
	for k, v := range s {
		d := cmdStat{Calls: v.Calls - before[k].Calls, Usec: v.Usec - before[k].Usec}
		if k != "info" && (d.Calls > 0 || d.Usec > 0) {
			out[k] = d
		}
	}
	return out
}

// redisCommandStats returns INFO commandstats summed over every master.
func redisCommandStats(ctx context.Context, rdb redis.UniversalClient) (cmdStats, error) {
	var (
		mu    sync.Mutex
		total = cmdStats{}
	)
	err := eachMaster(ctx, rdb, func(ctx context.Context, node redis.Cmdable) error {
		text, err := node.Info(ctx, "commandstats").Result()
		if err != nil {
			return fmt.Errorf("INFO commandstats: %w", err)
		}
		s, err := parseCommandStats(text)
		if err != nil {
			return err
		}
		mu.Lock()
		total.add(s)
		mu.Unlock()
		return nil
	})
	return total, err
}

// CommandCost is one command's share of a drain on redis-server, per
// event drained.
type CommandCost struct {
	// Command is the lower-case name, as in INFO commandstats.
	Command string `json:"command"`
	// CallsPerEvent and UsecPerEvent are redis-server's counters (every
	// call, from a client or from a script).
	CallsPerEvent float64 `json:"calls_per_event"`
	UsecPerEvent  float64 `json:"usec_per_event"`
	// InsideUsecPerEvent is the part of UsecPerEvent spent in calls made
	// by scripts (so also counted in EVALSHA's): the calls this process
	// did not send itself, at the command's mean time per call. Only set
	// when this process's commands were counted (Sent).
	InsideUsecPerEvent float64 `json:"inside_scripts_usec_per_event,omitempty"`
	// Sent says whether this process's own calls of the command were
	// counted, so that InsideUsecPerEvent is known.
	Sent bool `json:"sent_counted"`
}

// TopLevelUsecPerEvent is the command's time outside scripts.
func (c CommandCost) TopLevelUsecPerEvent() float64 { return c.UsecPerEvent - c.InsideUsecPerEvent }

// commandCosts turns a drain's deltas into costs per event, most
// expensive first. sent, when not nil, is the number of calls of each
// command this process sent during the drain.
func commandCosts(delta cmdStats, sent map[string]int64, events int) []CommandCost {
	out := make([]CommandCost, 0, len(delta))
	for k, v := range delta {
		c := CommandCost{Command: k, CallsPerEvent: float64(v.Calls) / float64(events), UsecPerEvent: float64(v.Usec) / float64(events), Sent: sent != nil}
		if sent != nil && v.Calls > 0 {
			inside := max(v.Calls-sent[k], 0)
			c.InsideUsecPerEvent = c.UsecPerEvent * float64(inside) / float64(v.Calls)
		}
		out = append(out, c)
	}
	sortCosts(out)
	return out
}

// sortCosts orders costs by time per event, most first, then by name.
func sortCosts(cs []CommandCost) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].UsecPerEvent != cs[j].UsecPerEvent {
			return cs[i].UsecPerEvent > cs[j].UsecPerEvent
		}
		return cs[i].Command < cs[j].Command
	})
}

// isScriptCommand tells whether a command runs a script or a function,
// whose time includes the commands it calls.
func isScriptCommand(name string) bool {
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return true
	}
	return false
}

// medianCosts takes, command by command, the median over runs of each
// figure (a command missing from a run counts as 0 there).
func medianCosts(runs [][]CommandCost) []CommandCost {
	byName := map[string][]CommandCost{}
	for _, r := range runs {
		for _, c := range r {
			byName[c.Command] = append(byName[c.Command], c)
		}
	}
	out := make([]CommandCost, 0, len(byName))
	for name, cs := range byName {
		of := func(f func(CommandCost) float64) float64 {
			xs := make([]float64, len(runs))
			for i, c := range cs {
				xs[i] = f(c)
			}
			return median(xs)
		}
		out = append(out, CommandCost{Command: name, Sent: cs[0].Sent,
			CallsPerEvent:      of(func(c CommandCost) float64 { return c.CallsPerEvent }),
			UsecPerEvent:       of(func(c CommandCost) float64 { return c.UsecPerEvent }),
			InsideUsecPerEvent: of(func(c CommandCost) float64 { return c.InsideUsecPerEvent }),
		})
	}
	sortCosts(out)
	return out
}
