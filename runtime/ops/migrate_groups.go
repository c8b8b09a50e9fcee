package ops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// GroupMove is one consumer group of the source and where it stands on
// the partitions after a migration. Its Position is the source group's
// last-delivered id, or, when it has pending entries (delivered, not yet
// acked), the id just below the lowest of them: those entries, and the
// acked ones after them, are delivered again from the partitions (the
// runtime's idempotency records skip what was done), and nothing is lost.
type GroupMove struct {
	Name string `json:"name"`
	// LastDeliveredID and Pending are the group's on the source.
	LastDeliveredID string `json:"last_delivered_id"`
	Pending         int64  `json:"pending"`
	// LowestPendingID is the oldest pending entry's id ("" without any).
	LowestPendingID string `json:"lowest_pending_id,omitempty"`
	// Position is where the group starts on each partition.
	Position string `json:"position"`
	// Created counts the partitions where the group was created at
	// Position, Moved those where it existed behind Position and was
	// moved forward to it, Kept those where it stood at or beyond it (a
	// rerun, or the runtime has read further) and was left alone.
	Created int `json:"created"`
	Moved   int `json:"moved"`
	Kept    int `json:"kept"`
}

// sourceGroup is a source group as the migration reads it.
type sourceGroup struct {
	move     GroupMove
	position runtime.StreamID
	// entriesRead counts, per partition, the entries at or below
	// position: the group's ENTRIESREAD there, so that its lag is exact.
	entriesRead []int64
}

// sourceGroups reads the source's groups and their positions.
func sourceGroups(ctx context.Context, client redis.UniversalClient, source string) ([]*sourceGroup, error) {
	infos, err := client.XInfoGroups(ctx, source).Result()
	if err != nil {
		return nil, fmt.Errorf("XINFO GROUPS %s: %w", source, err)
	}
	out := make([]*sourceGroup, 0, len(infos))
	for _, g := range infos {
		sg := &sourceGroup{move: GroupMove{Name: g.Name, LastDeliveredID: g.LastDeliveredID, Pending: g.Pending}}
		pos, err := runtime.ParseStreamID(g.LastDeliveredID)
		if err != nil {
			return nil, fmt.Errorf("group %s on %s: %w", g.Name, source, err)
		}
		if g.Pending > 0 {
			p, err := client.XPending(ctx, source, g.Name).Result()
			if err != nil {
				return nil, fmt.Errorf("XPENDING %s %s: %w", source, g.Name, err)
			}
			low, err := runtime.ParseStreamID(p.Lower)
			if err != nil {
				return nil, fmt.Errorf("lowest pending id of %s on %s: %w", g.Name, source, err)
			}
			sg.move.LowestPendingID, pos = p.Lower, before(low)
		}
		sg.position, sg.move.Position = pos, pos.String()
		out = append(out, sg)
	}
	return out, nil
}

// before returns the id just below id (0-0 stays 0-0).
func before(id runtime.StreamID) runtime.StreamID {
	switch {
	case id.Seq > 0:
		id.Seq--
	case id.Ms > 0:
		id.Ms, id.Seq = id.Ms-1, math.MaxUint64
	}
	return id
}

// moveGroups puts every source group on every partition at its position:
// created there if missing, moved forward if behind, else kept.
func (m *migration) moveGroups(ctx context.Context) error {
	for _, g := range m.groups {
		for p := range m.fam.Count {
			if err := m.moveGroup(ctx, g, p); err != nil {
				return err
			}
		}
		m.rep.Groups = append(m.rep.Groups, g.move)
	}
	return nil
}

// moveGroup puts g on partition p.
func (m *migration) moveGroup(ctx context.Context, g *sourceGroup, p int) error {
	stream := m.fam.Stream(p)
	cur, exists, err := m.groupOn(ctx, stream, g.move.Name)
	if err != nil {
		return err
	}
	switch {
	case exists && cur.Compare(g.position) >= 0:
		g.move.Kept++
		return nil
	case m.opts.DryRun && exists:
		g.move.Moved++
		return nil
	case m.opts.DryRun:
		g.move.Created++
		return nil
	case exists:
		err = m.client.Do(ctx, "XGROUP", "SETID", stream, g.move.Name, g.move.Position, "ENTRIESREAD", g.entriesRead[p]).Err()
		if err != nil {
			return fmt.Errorf("XGROUP SETID %s %s %s: %w", stream, g.move.Name, g.move.Position, err)
		}
		g.move.Moved++
		return nil
	}
	err = m.client.Do(ctx, "XGROUP", "CREATE", stream, g.move.Name, g.move.Position, "MKSTREAM", "ENTRIESREAD", g.entriesRead[p]).Err()
	if err != nil {
		return fmt.Errorf("XGROUP CREATE %s %s %s: %w", stream, g.move.Name, g.move.Position, err)
	}
	g.move.Created++
	return nil
}

// groupOn returns group's last-delivered id on stream, and whether the
// group (and the stream) exist.
func (m *migration) groupOn(ctx context.Context, stream, group string) (runtime.StreamID, bool, error) {
	infos, err := m.client.XInfoGroups(ctx, stream).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return runtime.StreamID{}, false, nil
		}
		return runtime.StreamID{}, false, fmt.Errorf("XINFO GROUPS %s: %w", stream, err)
	}
	for _, g := range infos {
		if g.Name == group {
			id, err := runtime.ParseStreamID(g.LastDeliveredID)
			return id, true, err
		}
	}
	return runtime.StreamID{}, false, nil
}

// deleteSource deletes the source once the run has found every entry in
// its partition and the source has not grown meanwhile.
func (m *migration) deleteSource(ctx context.Context) error {
	n, err := m.client.XLen(ctx, m.opts.Source).Result()
	if err != nil {
		return fmt.Errorf("XLEN %s: %w", m.opts.Source, err)
	}
	if n != m.rep.SourceEntries {
		return fmt.Errorf("%s holds %d entries, %d were migrated: not deleted (producers still write to it? run again): %w",
			m.opts.Source, n, m.rep.SourceEntries, errSourceChanged)
	}
	if err := m.client.Del(ctx, m.opts.Source).Err(); err != nil {
		return fmt.Errorf("DEL %s: %w", m.opts.Source, err)
	}
	m.rep.SourceDeleted = true
	return nil
}

// errSourceChanged is wrapped when DeleteSource finds the source changed.
var errSourceChanged = errors.New("source changed during the migration")
