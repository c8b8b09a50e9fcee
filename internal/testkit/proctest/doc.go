// Package proctest runs the shop's function binaries as real processes for
// tests and benchmarks: it builds them (Build), starts one on a loopback
// port with its output collected (Start, or StartFree on a free port;
// StartCmd for any other command; Process, Buffer), waits until it
// serves, stops it with SIGTERM or SIGKILL, and ties a test's processes to
// the test's end (Group). It does not import testing, so that non-test
// code such as the benchmarks (cmd/ordershop-bench) can use it.
package proctest
