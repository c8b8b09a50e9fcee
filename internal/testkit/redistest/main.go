package redistest

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// Run starts one server for a test package, stores it in *srv, runs the
// package's tests and closes the server. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }
func Run(m *testing.M, srv **Server) int {
	return RunWith(m, srv, Options{})
}

// RunWith is Run with Options.
func RunWith(m *testing.M, srv **Server, opts Options) int {
	s, err := Start(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*srv = s
	code := m.Run()
	_ = s.Close()
	return code
}

// Eventually polls cond every 10ms until it returns true or timeout passes,
// then fails the test with msg. It is the tests' replacement for sleeping.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %s: "+msg, append([]any{timeout}, args...)...)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// New starts a server for one test, closed when the test ends; it fails
// the test if the server does not start.
func New(t testingT, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
