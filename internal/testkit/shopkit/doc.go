// Package shopkit runs the whole shop for the end-to-end tests (tests/...)
// and the benchmarks (cmd/ordershop-bench): one list of the shop's
// processes (Processes), a TestMain that builds their binaries once and
// starts the package's Redis (Main), the processes of one test as a group
// (Shop), an HTTP client of the gateway's API (Client), and the wait until
// every function has handled everything (Settle, Quiet).
//
// It builds on proctest (processes) and redistest (throwaway Redis); like
// them it is test machinery, which the operator binary never links.
package shopkit
