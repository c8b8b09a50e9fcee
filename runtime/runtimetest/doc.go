// Package runtimetest is the runtime's conformance suite: every promise of
// the delivery contract (the package doc of runtime) as one named test
// that tries to break it the way faults and attackers do — SIGKILL mid
// batch, SIGSTOP past a lease, Redis killed under load and during
// shutdown, handlers that hang or crash the process, malformed and huge
// entries, an evicting or full Redis.
//
// The suite runs real function processes (the worker command beside this
// package, built by BuildWorker) against a Redis the caller provides, so
// the same properties run against one node and, later, a Cluster:
//
//	runtimetest.Run(t, runtimetest.Target{URL: …, Client: …, Kill: …, Restart: …, Worker: path})
//
// Properties returns the list, each with the promise it checks; Run runs
// each as a subtest named after it (go test -run 'TestConformance/Order/').
package runtimetest
