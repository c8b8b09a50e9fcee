package gateway

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"

	"github.com/google/uuid"

	"github.com/ordershop/functions/internal/shop/gateway/idempotency"
)

// Where a command's keys go on a Redis Cluster. An entity's events are in
// its partition, whose hash tag {p<p>} every key written with them shares
// (guards, the Idempotency-Key claim), so the gateway chooses the ids of
// new entities by partition: a new billing is in its order's partition
// (with the order's paid guard), a new inventory entry in its product's
// (with the product's guard), and the entities of one POST are in one
// partition (the Idempotency-Key's, if any). Such a command is one
// script in one slot. The ids stay UUIDv7 (in creation order): the
// gateway draws ids until one falls in the partition.

// partitionOf is the partition of entity id in the family of aggregate.
func (g *Gateway) partitionOf(ctx context.Context, aggregate, id string) (int, error) {
	fam, err := g.log.Family(ctx, aggregate)
	if err != nil {
		return 0, err
	}
	return fam.Of(id), nil
}

// newIDsIn makes n new ids of aggregate in partition p of its family
// (newIDs if the family has no partition p, or no id turns up).
func (g *Gateway) newIDsIn(ctx context.Context, aggregate string, p, n int) ([]string, error) {
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

// refHome is an idempotency.Home: the partition of the entity of
// aggregate that a POST body's field names (a billing's order_id, an
// inventory entry's product_id), when the body is one object naming one.
func (g *Gateway) refHome(aggregate, field string) idempotency.Home {
	return func(r *http.Request, body []byte) (int, bool) {
		var fields map[string]json.RawMessage
		var id string
		if json.Unmarshal(body, &fields) != nil || json.Unmarshal(fields[field], &id) != nil || id == "" {
			return 0, false
		}
		p, err := g.partitionOf(r.Context(), aggregate, id)
		return p, err == nil
	}
}

// pathHome is an idempotency.Home: the partition of the path's entity of
// aggregate (PUT and DELETE /<entity>/{id}).
func (g *Gateway) pathHome(aggregate string) idempotency.Home {
	return func(r *http.Request, _ []byte) (int, bool) {
		id := pathID(r)
		if id == "" {
			return 0, false
		}
		p, err := g.partitionOf(r.Context(), aggregate, id)
		return p, err == nil
	}
}
