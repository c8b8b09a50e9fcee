package partition

import (
	"strconv"
	"testing"
)

// The hash is part of the data model: producers in other languages must
// reach the same partition, so its values are pinned here.
func TestOfIsFNV1a(t *testing.T) {
	// FNV-1a 32 of "" is 0x811c9dc5 = 2166136261; of "a" 0xe40c292c.
	cases := []struct {
		key   string
		count int
		want  int
	}{
		{"", 16, 2166136261 % 16},
		{"a", 16, 0xe40c292c % 16},
		{"a", 1000, 0xe40c292c % 1000},
	}
	for _, c := range cases {
		if got := Of(c.key, c.count); got != c.want {
			t.Errorf("Of(%q, %d) = %d, want %d", c.key, c.count, got, c.want)
		}
	}
}

func TestStreamNamesParseBack(t *testing.T) {
	f := Family{Name: "events:order", Count: 16}
	if got := f.Stream(7); got != "events:order:{p7}" {
		t.Fatalf("Stream(7) = %q", got)
	}
	for _, s := range f.Streams() {
		fam, p, ok := Parse(s)
		if !ok || fam != f.Name || f.Stream(p) != s {
			t.Fatalf("Parse(%q) = %q %d %v", s, fam, p, ok)
		}
	}
	for _, bad := range []string{"events:order", "events:order:{p}", "events:order:{p07}", "events:order:{px}", ":{p1}"} {
		if _, _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if Lease("projector", 3) != "fn:{p3}:projector:lease" || Epoch("projector", 3) != "fn:{p3}:projector:epoch" {
		t.Fatal("lease keys are not in the partition's slot")
	}
}

func TestSpreadIsEven(t *testing.T) {
	counts := make([]int, 16)
	for i := range 16000 {
		counts[Of("order-"+strconv.Itoa(i), 16)]++
	}
	for p, n := range counts {
		if n < 800 || n > 1200 {
			t.Fatalf("partition %d has %d of 16000 keys", p, n)
		}
	}
}
