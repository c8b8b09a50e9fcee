package input

import "testing"

// TestDecodeStrictTrailingData: a stray closing delimiter after the value
// is bad JSON (found by FuzzOrderBody), trailing white space is not.
func TestDecodeStrictTrailingData(t *testing.T) {
	for body, wantErr := range map[string]bool{
		`{"order_id":"o1"}`:        false,
		"{\"order_id\":\"o1\"}\n ": false,
		`{"order_id":"o1"}}`:       true,
		`[{"order_id":"o1"}]]`:     true,
		`[null]}`:                  true,
		`{"order_id":"o1"} {}`:     true,
		`{"order_id":"o1"} x`:      true,
	} {
		var v any
		if err := decodeStrict([]byte(body), &v); (err != nil) != wantErr {
			t.Errorf("decodeStrict(%q) = %v, want error %v", body, err, wantErr)
		}
	}
}
