package shopkit

import (
	"slices"
	"testing"
)

// TestScaled: Scaled(1) is Processes; Scaled(2) adds a second instance of
// each ordered function right after the first, running its binary.
func TestScaled(t *testing.T) {
	if got := Scaled(1); !slices.Equal(got, Processes()) {
		t.Errorf("Scaled(1) = %v, want Processes() %v", got, Processes())
	}
	want := []string{"gateway", "projector", "projector2", "inventory", "inventory2", "billing", "crm", "mailer"}
	if got := Scaled(2); !slices.Equal(got, want) {
		t.Errorf("Scaled(2) = %v, want %v", got, want)
	}
	for process, bin := range map[string]string{"projector2": "projector", "inventory12": "inventory", "projector": "projector",
		"billing2": "billing2", "projectorx": "projectorx", "gateway": "gateway"} {
		if got := BinaryOf(process); got != bin {
			t.Errorf("BinaryOf(%s) = %s, want %s", process, got, bin)
		}
	}
}
