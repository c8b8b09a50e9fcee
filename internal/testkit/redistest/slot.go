package redistest

import "github.com/ordershop/functions/runtime/partition"

// Slot returns the cluster hash slot of key, as CLUSTER KEYSLOT computes
// it (partition.Slot).
func Slot(key string) int { return partition.Slot(key) }
