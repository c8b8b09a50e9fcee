package ops

import (
	"context"
	"fmt"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
)

// DefaultShowLimit is how many dead letters ShowDLQ returns by default.
const DefaultShowLimit = 20

// DLQPage is some of one function's dead letters, oldest first.
type DLQPage struct {
	Function string `json:"function"`
	// Total is the stream's length; DeadLetters may hold fewer.
	Total       int64        `json:"total"`
	DeadLetters []DeadLetter `json:"dead_letters"`
}

// ShowOptions choose the dead letters ShowDLQ returns.
type ShowOptions struct {
	// Limit caps the entries returned (<= 0 means DefaultShowLimit).
	Limit int
	// IDs, when set, selects these entries instead; an id that is not in
	// the stream is an ErrNotFound error.
	IDs []string
}

// ShowDLQ returns a function's dead letters, oldest first. An unknown
// function is ErrNotFound.
func (o *Ops) ShowDLQ(ctx context.Context, function string, opts ShowOptions) (DLQPage, error) {
	page := DLQPage{Function: function, DeadLetters: []DeadLetter{}}
	total, err := o.insp.CountDeadLetters(ctx, function, inspect.DeadLetterFilter{})
	if err != nil {
		return page, err
	}
	page.Total = total
	if len(opts.IDs) > 0 {
		dls, missing, err := o.insp.DeadLettersByID(ctx, function, opts.IDs)
		if err != nil {
			return page, err
		}
		if len(missing) > 0 {
			return page, fmt.Errorf("%s has no entries %v: %w", runtime.DeadLetterStream(function), missing, ErrNotFound)
		}
		page.DeadLetters = dls
		return page, nil
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = DefaultShowLimit
	}
	head, err := o.insp.DeadLetters(ctx, function, inspect.DeadLetterQuery{Limit: limit})
	if err != nil {
		return page, err
	}
	page.DeadLetters = head.DeadLetters
	return page, nil
}
