package duty

import (
	"testing"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// The shares of the members add up to the partitions, differ by at most
// one, and the first P mod n members in name order take one more.
func TestFairShare(t *testing.T) {
	for _, tc := range []struct {
		parts   int
		members []string
		want    []int
	}{
		{16, []string{"a"}, []int{16}},
		{16, []string{"a", "b", "c"}, []int{6, 5, 5}},
		{16, []string{"a", "b", "c", "d"}, []int{4, 4, 4, 4}},
		{4, []string{"a", "b", "c", "d", "e"}, []int{1, 1, 1, 1, 0}},
	} {
		sum := 0
		for i, m := range tc.members {
			o := &Owner{p: OwnerParams{Partitions: tc.parts, Leases: &rdb.Leases{Consumer: m}}}
			if got := o.share(tc.members); got != tc.want[i] {
				t.Errorf("P=%d members %v: %s's share %d, want %d", tc.parts, tc.members, m, got, tc.want[i])
			}
			sum += o.share(tc.members)
		}
		if sum != tc.parts {
			t.Errorf("P=%d members %v: shares add up to %d", tc.parts, tc.members, sum)
		}
	}
	// Not listed yet (its membership not read back): it counts itself last.
	o := &Owner{p: OwnerParams{Partitions: 16, Leases: &rdb.Leases{Consumer: "z"}}}
	if got := o.share([]string{"a"}); got != 8 {
		t.Errorf("an unlisted joiner's share with one member: %d, want 8", got)
	}
}
