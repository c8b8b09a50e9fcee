package ops

import "context"

// Status reports every known function, by name: those that registered
// and those known only by a dead-letter stream (inspect.Inspector.Status).
func (o *Ops) Status(ctx context.Context) ([]FunctionStatus, error) {
	return o.insp.Status(ctx)
}

// Replay runs the selected dead letters of function again through that
// function only (inspect.Inspector.Replay): each becomes a task on the
// function's retry queue and leaves the dead-letter stream once it has
// settled. If it fails again it returns to the stream with one more
// attempt. With All, entries written after the replay started are left
// alone. progress may be nil.
//
// An unknown function is ErrNotFound; ids not in the stream are reported in
// NotFound, not as an error. A Redis error stops the replay; the result
// says what was done before it.
func (o *Ops) Replay(ctx context.Context, function string, sel Selection, progress Progress) (ReplayResult, error) {
	return o.insp.Replay(ctx, function, sel, progress)
}

// Purge deletes the selected dead letters of function for good
// (inspect.Inspector.Purge). With All, entries written after the purge
// started are kept. An unknown function is ErrNotFound; ids not in the
// stream are reported in NotFound.
func (o *Ops) Purge(ctx context.Context, function string, sel Selection) (PurgeResult, error) {
	return o.insp.Purge(ctx, function, sel)
}
