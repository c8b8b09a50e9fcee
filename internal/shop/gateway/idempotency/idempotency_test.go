package idempotency

import (
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	for k, ok := range map[string]bool{
		"k1": true, strings.Repeat("k", 255): true, strings.Repeat("k", 256): false, "": false, "a b": false, "ключ": false,
	} {
		if err := checkKey(k); (err == nil) != ok {
			t.Errorf("checkKey(%.10q…) = %v, want ok %v", k, err, ok)
		}
	}
}
