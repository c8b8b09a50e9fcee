package eventstore

import (
	"context"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// ScanAll calls fn for every event of streams (partitions of one or more
// families), merged in entry-id order: exactly the order of appends within
// a stream, and across streams the order of their ids' milliseconds (each
// stream numbers its entries on its own, so two streams may hold the same
// id; the earlier stream of streams goes first then). It reads each stream
// in pages.
func (s *Store) ScanAll(ctx context.Context, streams []string, fn func(model.Event) error) error {
	const page = 500
	heads := make([][]model.Event, len(streams))
	after := make([]string, len(streams))
	for i := range after {
		after[i] = "0"
	}
	for {
		next := -1
		for i, stream := range streams {
			if len(heads[i]) == 0 && after[i] != "" {
				evs, err := s.Range(ctx, stream, after[i], page)
				if err != nil {
					return err
				}
				heads[i], after[i] = evs, ""
				if len(evs) == page {
					after[i] = evs[len(evs)-1].EntryID
				}
			}
			if len(heads[i]) > 0 && (next < 0 || runtime.CompareIDs(heads[i][0].EntryID, heads[next][0].EntryID) < 0) {
				next = i
			}
		}
		if next < 0 {
			return nil
		}
		e := heads[next][0]
		heads[next] = heads[next][1:]
		if err := fn(e); err != nil {
			return err
		}
	}
}

// ScanLog calls fn for every event of the families of aggregates (every
// aggregate when none is given), all partitions merged in entry-id order
// (ScanAll).
func (s *Store) ScanLog(ctx context.Context, fn func(model.Event) error, aggregates ...string) error {
	streams, err := s.log.Streams(ctx, aggregates...)
	if err != nil {
		return err
	}
	return s.ScanAll(ctx, streams, fn)
}
