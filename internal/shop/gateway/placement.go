package gateway

import (
	"context"
	"math/rand/v2"
	"net/http"

	"github.com/google/uuid"

	"github.com/ordershop/functions/internal/shop/gateway/idempotency"
)

// Where a command's keys go on a Redis Cluster. An entity's events are in
// its partition, whose hash tag {p<p>} every key written with them shares
// (guards), so on a Cluster the gateway chooses the ids of new entities
// by partition: a new billing is in its order's partition (with the
// order's paid guard), a new inventory entry in its product's (with the
// product's guard), and the entities of one POST are in one partition
// (the Idempotency-Key record's, if any). Such a command's writes are one
// script in one slot; with an Idempotency-Key whose record is in another
// slot, the record is written before (pending) and after (the answer)
// that script (eventstore's split commits). The ids stay UUIDv7 (in creation order): the
// gateway draws ids until one falls in the partition. The price: a big
// batch POST loads one partition. On one Redis node every command is one
// script anyway, and ids are drawn once, spread over the partitions.

// partitionOf is the partition of entity id in the family of aggregate.
func (g *Gateway) partitionOf(ctx context.Context, aggregate, id string) (int, error) {
	fam, err := g.log.Family(ctx, aggregate)
	if err != nil {
		return 0, err
	}
	return fam.Of(id), nil
}

// newIDsIn makes n new ids of aggregate in partition p of its family on
// a Redis Cluster (newIDs on one node, if the family has no partition p,
// or if no id turns up).
func (g *Gateway) newIDsIn(ctx context.Context, aggregate string, p, n int) ([]string, error) {
	if !g.clustered {
		return newIDs(n), nil
	}
	fam, err := g.log.Family(ctx, aggregate)
	if err != nil {
		return nil, err
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7()).String()
		for try := 0; try < 64*fam.Count && p < fam.Count && fam.Of(ids[i]) != p; try++ {
			ids[i] = uuid.Must(uuid.NewV7()).String()
		}
	}
	return ids, nil
}

// commandPartition is where a POST puts its new entities: the
// partition of its Idempotency-Key's claim, or one at random.
func (g *Gateway) commandPartition(r *http.Request, aggregate string) (int, error) {
	if p, ok := idempotency.Partition(r.Context()); ok {
		return p, nil
	}
	fam, err := g.log.Family(r.Context(), aggregate)
	if err != nil {
		return 0, err
	}
	return rand.IntN(fam.Count), nil
}
