package deploy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/runtime"
)

// deployable is one function process as the code defines it: its name
// (functions/<name>) and the stream functions it registered.
type deployable struct {
	name  string
	infos []runtime.FunctionInfo
}

// reacts reports whether the process consumes any stream (and so needs a
// ScaledObject rather than a Service).
func (d deployable) reacts() bool { return len(d.infos) > 0 }

// consumption lists "stream group" for every stream of every function the
// process registered, sorted: what its ScaledObject's triggers must name.
func (d deployable) consumption() []string {
	var out []string
	for _, fi := range d.infos {
		for _, s := range fi.Streams {
			out = append(out, s+" "+fi.Group)
		}
	}
	sort.Strings(out)
	return out
}

// names returns the set of deployable names.
func names(ds []deployable) map[string]bool {
	out := map[string]bool{}
	for _, d := range ds {
		out[d.name] = true
	}
	return out
}

// parseStopTimeout reads a duration as systemd, compose and the runtime
// write it: a Go duration ("20s") or plain seconds ("20").
func parseStopTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %w", s, err)
	}
	return d, nil
}

// defaultShutdownTimeout is the runtime's SHUTDOWN_TIMEOUT default.
func defaultShutdownTimeout() time.Duration { return runtime.DefaultConfig().ShutdownTimeout }

// checkStopMargin fails when a stop timeout (what a supervisor waits
// before SIGKILL) does not leave the drain its SHUTDOWN_TIMEOUT and a
// margin for the retrier and HTTP server to stop after it.
func checkStopMargin(t *testing.T, what string, stop, shutdown time.Duration) {
	t.Helper()
	const margin = 5 * time.Second
	if stop < shutdown+margin {
		t.Errorf("%s: stop timeout %s, want at least SHUTDOWN_TIMEOUT %s + %s", what, stop, shutdown, margin)
	}
	if stop > 3*shutdown+30*time.Second {
		t.Errorf("%s: stop timeout %s is far above SHUTDOWN_TIMEOUT %s: keep them matched", what, stop, shutdown)
	}
}
