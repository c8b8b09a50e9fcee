package rdb

import (
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/partition"
)

// SlotCount is the number of hash slots of a Redis Cluster.
const SlotCount = partition.SlotCount

// HashTag returns the part of key that decides its Cluster slot
// (partition.HashTag).
func HashTag(key string) string { return partition.HashTag(key) }

// Slot returns the Cluster hash slot of key (partition.Slot).
func Slot(key string) int { return partition.Slot(key) }

// IsCluster reports whether client spreads keys over the slots of a Redis
// Cluster, so that every multi-key command, MULTI and script must keep to
// one slot.
func IsCluster(client redis.UniversalClient) bool {
	_, ok := client.(*redis.ClusterClient)
	return ok
}
