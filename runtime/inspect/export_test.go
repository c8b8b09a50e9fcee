package inspect

import "time"

// SetReplayClaimPending makes i's replays claim each dead letter for d,
// instead of ReplayClaimPending, while they schedule it: the tests of a
// replay that dies there need not wait 30 s for its claim to expire.
func SetReplayClaimPending(i *Inspector, d time.Duration) { i.claimPending = d }
