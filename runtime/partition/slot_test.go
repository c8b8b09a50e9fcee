package partition

import "testing"

// The slots Redis itself gives (CLUSTER KEYSLOT on 7.0.15).
func TestSlotMatchesRedis(t *testing.T) {
	for key, want := range map[string]int{
		"foo":                   12182,
		"123456789":             12739,
		"{user1000}.following":  3443,
		"{user1000}.followers":  3443,
		"foo{}{bar}":            8363,
		"foo{{bar}}zap":         4015,
		"foo{bar}{zap}":         5061,
		"events:order:{p3}":     Slot("p3"),
		"fn:{p3}:billing:lease": Slot("p3"),
		"{dlq:billing}:x":       Slot("dlq:billing"),
	} {
		if got := Slot(key); got != want {
			t.Errorf("Slot(%q) = %d, want %d", key, got, want)
		}
	}
}
