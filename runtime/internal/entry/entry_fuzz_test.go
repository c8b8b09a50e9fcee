package entry

import (
	"encoding/json"
	"testing"
)

// FuzzJSONObjectAgreesWithEncodingJSON holds the validator of data to the
// standard library's: an event is rejected as malformed exactly when
// encoding/json, which handlers decode it with, would reject it.
func FuzzJSONObjectAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, ` {"a":1}`, `{"a":"\u00e9","b":[1,2.5e3,-0,true,null,{}]}`, "{\"a\":\"\xff\"}",
		`{"a":1,}`, `{"a":01}`, "{\"a\":\"\x01\"}", `{"a":1}x`, `{"a":1} `, `{"a":1e}`, `{"a":.5}`,
		`{"a":"\ud800"}`, `{"a":"\q"}`, `{"a":tru}`, `{"a":[1,2]`, "{\"a\":\"\u2028\"}", `[1]`, `"x"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				continue
			}
			if c == '{' {
				want = json.Valid([]byte(s))
			}
			break
		}
		if got := isJSONObject(s); got != want {
			t.Fatalf("isJSONObject(%q) = %v, encoding/json says %v", s, got, want)
		}
	})
}
