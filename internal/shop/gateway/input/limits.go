package input

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// Input limits: a request past any of them is a 400 that names the field.
const (
	// MaxNameLength is the longest customer or product name, in
	// characters (Unicode code points).
	MaxNameLength = 200
	// MaxEmailLength is the longest e-mail address, in bytes (RFC 5321).
	MaxEmailLength = 254
	// MaxIDLength is the longest id a client may send (path or body).
	MaxIDLength = 100
	// MaxProductsPerOrder is the most product ids one order may list.
	MaxProductsPerOrder = 1000
	// MaxEntitiesPerRequest is the most entities one POST may create.
	MaxEntitiesPerRequest = 1000
)

// isControl reports a C0 or C1 control character (U+0000–U+001F,
// U+007F–U+009F).
func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// checkText refuses a text field that is blank, longer than max
// characters or holds a control character.
func checkText(field, v string, max int) error {
	if strings.TrimSpace(v) == "" {
		return respond.BadRequest("field %s must not be empty", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return respond.BadRequest("field %s is %d characters long; at most %d", field, n, max)
	}
	if i := strings.IndexFunc(v, isControl); i >= 0 {
		return respond.BadRequest("field %s holds a control character (U+%04X) at byte %d", field, v[i], i)
	}
	return nil
}

// needText is checkText for a field that must be present.
func needText(field string, v *string, max int) error {
	if v == nil {
		return respond.BadRequest("missing field %s", field)
	}
	return checkText(field, *v, max)
}

// NeedID checks an id a client sent: present, 1..MaxIDLength characters,
// no control characters.
func NeedID(field string, v *string) error { return needText(field, v, MaxIDLength) }

// needEmail is checkEmail for a field that must be present.
func needEmail(v *string) error {
	if v == nil {
		return respond.BadRequest("missing field email")
	}
	return checkEmail(*v)
}

// checkEmail refuses anything that is not local@domain, both non-empty,
// without spaces, at most MaxEmailLength bytes.
func checkEmail(v string) error {
	if len(v) > MaxEmailLength {
		return respond.BadRequest("field email is %d bytes long; at most %d", len(v), MaxEmailLength)
	}
	if err := checkText("email", v, MaxEmailLength); err != nil {
		return err
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" || strings.ContainsFunc(v, unicode.IsSpace) {
		return respond.BadRequest("field email: %q is not an address (want local@domain)", v)
	}
	return nil
}

// errNotWhole is the cause of a number that is not a JSON integer literal.
var errNotWhole = errors.New("not a whole number")

// wholeNumber reads a JSON value that must be a non-negative integer
// literal fitting an int64: no fraction, no exponent, no quotes.
func wholeNumber(field string, raw *json.RawMessage) (int64, error) {
	if raw == nil {
		return 0, respond.BadRequest("missing field %s", field)
	}
	s := strings.TrimSpace(string(*raw))
	if strings.HasPrefix(s, "-") {
		return 0, respond.BadRequest("field %s must not be negative", field)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			if strings.ContainsAny(s, ".eE") && !strings.HasPrefix(s, `"`) {
				return 0, respond.BadRequest("field %s must be a whole number, not %s", field, s)
			}
			return 0, respond.BadRequest("field %s must be a number", field)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, respond.BadRequest("field %s must be at most %d", field, int64(math.MaxInt64))
		}
		return 0, respond.BadRequest("field %s: %v", field, errNotWhole)
	}
	return n, nil
}
