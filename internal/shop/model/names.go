package model

// The shop's names for what the generic runtime names after its process:
// every shop process passes them to runtime.Main (runtime.WithNames), and
// the shop's tools read the registry under RegistryKey. Deploy manifests,
// KEDA triggers and dashboards rely on them.
const (
	// RegistryKey is the hash where the shop's functions describe
	// themselves (runtime Config.RegistryKey).
	RegistryKey = "ordershop:functions"
	// Namespace starts the shop's metric names (ordershop_events_*) and
	// its readiness probe keys (runtime Config.Namespace).
	Namespace = "ordershop"
	// DashboardKeyPrefix starts the keys of the shop's web dashboard (its
	// jobs, logged-out sessions and the last hour of every function's lag
	// and throughput; dashboard Config.KeyPrefix), shared by the
	// gateway's and the CLI's dashboards.
	DashboardKeyPrefix = "ordershop:dashboard"
)
