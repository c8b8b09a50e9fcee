package runtime_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// mainEnv makes the test binary act as a function process (runtime.Main)
// whose handler takes SLOW_MS per event and emits one event to
// <STREAM>:out, so that tests can signal a real process. With RUNS_KEY
// every invocation is RPUSHed there ("<event_id> <consumer>") before it
// runs, outside the commit; with CRASH_ON the process exits (code 3) on
// that event; ORDERING_KEY sets the function's OrderingKey.
const mainEnv = "RUNTIME_TEST_MAIN"

func runMainProcess() {
	stream := os.Getenv("STREAM")
	slow, _ := strconv.Atoi(os.Getenv("SLOW_MS"))
	runs, crashOn := os.Getenv("RUNS_KEY"), os.Getenv("CRASH_ON")
	runtime.Main("testfn", func(app *runtime.App) (runtime.Setup, error) {
		return runtime.Setup{Functions: []runtime.Function{{
			Name: os.Getenv("FUNCTION"), Streams: []string{stream}, OrderingKey: os.Getenv("ORDERING_KEY"),
			Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
				if runs != "" {
					if err := app.Redis.RPush(ctx, runs, m.EventID+" "+app.Config.ConsumerName).Err(); err != nil {
						return err
					}
				}
				if m.EventID == crashOn {
					os.Exit(3) // a poison pill: the process dies in the handler
				}
				time.Sleep(time.Duration(slow) * time.Millisecond) // simulated work
				m.Emit(stream+":out", map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
				return nil
			}),
		}}, Background: backgroundFromEnv(app)}, nil
	})
}

// startProcess runs the test binary as a function process.
func startProcess(t *testing.T, env ...string) (*exec.Cmd, int, *strings.Builder) {
	t.Helper()
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), mainEnv+"=1", "REDIS_URL="+srv.URL(), "PORT="+strconv.Itoa(port),
		"READ_BLOCK=100ms", "LOG_LEVEL=info")
	cmd.Env = append(cmd.Env, env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("process output:\n%s", logs.String())
		}
	})
	return cmd, port, &logs
}

func httpGet(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSIGTERMDrainsInFlightWork(t *testing.T) {
	rdb, stream, name := fixture(t, "sigterm")
	const n = 40
	for i := range n {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	cmd, port, _ := startProcess(t, "STREAM="+stream, "FUNCTION="+name, "SLOW_MS=100", "CONCURRENCY=4",
		"BATCH_SIZE=20", "SHUTDOWN_TIMEOUT=20s")
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	redistest.Eventually(t, 10*time.Second, func() bool { c, _ := httpGet(base + "/readyz"); return c == 200 }, "process ready")
	if c, body := httpGet(base + "/metrics"); c != 200 || !strings.Contains(body, "functions_handler_in_flight") {
		t.Fatalf("/metrics: %d %q", c, body[:min(len(body), 200)])
	}
	// Wait until work is in flight, then SIGTERM.
	redistest.Eventually(t, 10*time.Second, func() bool { return xlen(t, rdb, stream+":out") > 0 }, "work started")
	terminate(t, cmd)
	if p := pending(t, rdb, stream, name); p != 0 {
		t.Fatalf("%d entries left pending after a graceful shutdown", p)
	}
	handled := xlen(t, rdb, stream+":out")
	if handled == 0 || handled > n {
		t.Fatalf("%d events handled", handled)
	}
	t.Logf("handled %d of %d before shutdown, nothing pending", handled, n)
}

// terminate sends SIGTERM to the process of cmd and fails the test unless
// it exits 0 within 25 s (the shutdown timeout and its slack).
func terminate(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	select {
	case err := <-errc:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("exit code %d after SIGTERM, want 0", ee.ExitCode())
		}
	case <-time.After(25 * time.Second):
		t.Fatal("process did not exit within the shutdown timeout")
	}
}
