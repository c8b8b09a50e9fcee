package input

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWholeNumber(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"100", 100, true}, {"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false}, {"99999999999999999999", 0, false}, {"1e308", 0, false},
		{"12.5", 0, false}, {"100.0", 0, false}, {"-1", 0, false}, {`"5"`, 0, false}, {"true", 0, false},
		{"null", 0, false}, {"1E2", 0, false},
	} {
		t.Run(tc.raw, func(t *testing.T) {
			raw := json.RawMessage(tc.raw)
			got, err := wholeNumber("price", &raw)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("wholeNumber(%s) = %d, %v; want %d, ok %v", tc.raw, got, err, tc.want, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "price") {
				t.Errorf("error %q does not name the field", err)
			}
		})
	}
	if _, err := wholeNumber("price", nil); err == nil {
		t.Error("missing price accepted")
	}
}

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, v string
		ok      bool
	}{
		{"plain", "Ada", true}, {"200 characters", strings.Repeat("é", 200), true},
		{"201 characters", strings.Repeat("é", 201), false}, {"blank", "  ", false},
		{"NUL", "A\x00da", false}, {"newline", "A\nda", false}, {"DEL", "A\x7fda", false},
		{"C1 control", "A\u0085da", false}, {"tab", "A\tda", false}, {"emoji", "Ada 🚲", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkText("name", tc.v, MaxNameLength); (err == nil) != tc.ok {
				t.Errorf("checkText(%q) = %v, want ok %v", tc.v, err, tc.ok)
			}
		})
	}
}

func TestCheckEmail(t *testing.T) {
	long := strings.Repeat("a", 250) + "@x.io" // 255 bytes
	for v, ok := range map[string]bool{
		"ada@example.com": true, "nope": false, "@x": false, "a@": false, "a b@x": false, long: false, long[1:]: true,
	} {
		if err := checkEmail(v); (err == nil) != ok {
			t.Errorf("checkEmail(%.20q…) = %v, want ok %v", v, err, ok)
		}
	}
}
