package form

import (
	"fmt"
	"net/url"

	"github.com/ordershop/functions/runtime/ops"
)

// Selection is what a replay or purge form selects: the dead letters
// named by its id fields, or with all=1 every one that matches its
// search.
type Selection struct {
	IDs    []string
	All    bool
	Search Search
}

// SelectionFrom reads a replay or purge form, as stated and as the
// ops.Selection it makes; one naming nothing, or both ids and all, is
// ops.ErrInvalid.
func SelectionFrom(v url.Values) (Selection, ops.Selection, error) {
	sel := Selection{IDs: v["id"], All: v.Get("all") == "1", Search: SearchFrom(v)}
	f, err := sel.Search.Filter()
	if err != nil {
		return sel, ops.Selection{}, err
	}
	want := ops.Selection{IDs: sel.IDs, All: sel.All}
	if sel.All {
		want.Filter = f
	}
	if err := want.Validate(); err != nil {
		return sel, want, fmt.Errorf("selection: %w", err)
	}
	return sel, want, nil
}
