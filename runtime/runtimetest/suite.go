package runtimetest

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Target is the Redis the suite runs against, and the worker binary it
// runs there.
type Target struct {
	// URL is what worker processes get as REDIS_URL.
	URL string
	// Client returns a client of the same Redis for the suite's checks.
	Client func(t testing.TB) redis.UniversalClient
	// Kill stops Redis abruptly (as SIGKILL does); Restart starts it again
	// with its data. The Redis must persist every acknowledged write (AOF
	// with appendfsync always) for the restart properties to hold.
	Kill, Restart func() error
	// Worker is the path of the worker binary (see BuildWorker).
	Worker string
}

// Property is one promise of the delivery contract and the test that
// tries to break it.
type Property struct {
	// Name is the test's name under Run, e.g. "AtLeastOnce/KillDuringWork".
	Name string
	// Promise says what must hold, as runtime/doc.go states it.
	Promise string
	// Test runs the property against a target.
	Test func(t *testing.T, tg Target)
}

// Properties returns every property of the suite, in the order Run runs
// them.
func Properties() []Property {
	var out []Property
	for _, group := range [][]Property{deliveryProperties(), orderProperties(), shutdownProperties(), poisonProperties(), redisProperties()} {
		out = append(out, group...)
	}
	return out
}

// Run runs every property as a subtest of t, one after another (each
// starts and stops its own worker processes; they share the target's
// Redis, under names of their own).
func Run(t *testing.T, tg Target) {
	for _, p := range Properties() {
		t.Run(p.Name, func(t *testing.T) { p.Test(t, tg) })
	}
}

// WorkerPackage is the import path of the worker command.
const WorkerPackage = "github.com/ordershop/functions/runtime/runtimetest/worker"

// BuildWorker builds the worker binary into dir and returns its path. It
// runs the go tool, so call it from inside the module (as a test does).
func BuildWorker(dir string) (string, error) {
	path := filepath.Join(dir, "conformance-worker")
	if out, err := exec.Command("go", "build", "-o", path, WorkerPackage).CombinedOutput(); err != nil {
		return "", &buildError{err: err, out: string(out)}
	}
	return path, nil
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string {
	return "go build " + WorkerPackage + ": " + e.err.Error() + "\n" + e.out
}
func (e *buildError) Unwrap() error { return e.err }
