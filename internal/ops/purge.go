package ops

import (
	"context"
	"fmt"

	"github.com/ordershop/functions/runtime"
)

// PurgeResult says what a purge deleted.
type PurgeResult struct {
	Function string `json:"function"`
	// Purged counts the entries deleted.
	Purged int64 `json:"purged"`
	// NotFound are selected ids that were not in the stream.
	NotFound []string `json:"not_found"`
}

// Purge deletes the selected dead letters of function for good. With All,
// entries written after the purge started are kept. An unknown function is
// ErrNotFound; ids not in the stream are reported in NotFound.
func (o *Ops) Purge(ctx context.Context, function string, sel Selection) (PurgeResult, error) {
	res := PurgeResult{Function: function, NotFound: []string{}}
	if err := sel.Validate(); err != nil {
		return res, err
	}
	if err := o.requireFunction(ctx, function); err != nil {
		return res, err
	}
	key := runtime.DeadLetterStream(function)
	if sel.All {
		last, err := o.snapshot(ctx, key)
		if err != nil || last == "" {
			return res, err
		}
		// Exact XTRIM MINID removes every entry below the bound, atomically.
		n, err := o.rdb.XTrimMinID(ctx, key, nextID(last)).Result()
		if err != nil {
			return res, fmt.Errorf("XTRIM %s: %w", key, err)
		}
		res.Purged = n
		return res, nil
	}
	for _, id := range dedupe(sel.IDs) {
		n, err := o.rdb.XDel(ctx, key, id).Result()
		if err != nil {
			return res, fmt.Errorf("XDEL %s %s: %w", key, id, err)
		}
		if n == 0 {
			res.NotFound = append(res.NotFound, id)
		}
		res.Purged += n
	}
	return res, nil
}
