package input

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
)

// The fuzz targets below feed arbitrary bodies to the gateway's request
// decoders, as POST (one object or an array) and as PUT (one object). A
// decoder must never panic; it either refuses the body with a 400 or 413
// *respond.Error, or returns values that are valid JSON and pass the
// entity's validation or are refused by it with a 400. Run one with
//
//	go test -run '^$' -fuzz '^FuzzOrderBody$' -fuzztime=5s ./internal/shop/gateway/input

// fuzzBodyLimit is the body limit of the fuzzed requests (small, so that
// 413 is reachable).
const fuzzBodyLimit = 4 << 10

// entityIn is a request body type with its validation.
type entityIn[E any] interface {
	Entity(id string) (E, error)
}

// fuzzDecoders runs body through decodeOneOrMany and decodeOne for T.
func fuzzDecoders[T entityIn[E], E any](t *testing.T, body string, valid func(E) bool) {
	t.Helper()
	request := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, fuzzBodyLimit)
		return r
	}
	many, err := decodeOneOrMany[T](request())
	checkDecoded(t, body, many, err, valid)
	one, err := DecodeOne[T](request())
	if err == nil {
		checkDecoded(t, body, []T{one}, nil, valid)
	} else {
		checkDecoded[T](t, body, nil, err, valid)
	}
}

// checkDecoded asserts the decoder contract for one result.
func checkDecoded[T entityIn[E], E any](t *testing.T, body string, ins []T, err error, valid func(E) bool) {
	t.Helper()
	if err != nil {
		var ae *respond.Error
		if !errors.As(err, &ae) || ae.Status() != http.StatusBadRequest && ae.Status() != http.StatusRequestEntityTooLarge {
			t.Fatalf("body %q: error %T %v, want a 400 or 413 *respond.Error", body, err, err)
		}
		return
	}
	if len(ins) == 0 {
		t.Fatalf("body %q: decoded nothing without an error", body)
	}
	if !json.Valid([]byte(body)) {
		t.Fatalf("body %q is not valid JSON but was decoded", body)
	}
	for _, in := range ins {
		e, err := in.Entity("id-1")
		var ae *respond.Error
		switch {
		case err != nil && (!errors.As(err, &ae) || ae.Status() != http.StatusBadRequest):
			t.Fatalf("body %q: entity error %T %v, want a 400 *respond.Error", body, err, err)
		case err == nil && !valid(e):
			t.Fatalf("body %q: entity %+v passed validation but is invalid", body, e)
		}
	}
}

// nonBlank reports a text within the gateway's limits: not blank, no
// control characters, at most MaxNameLength characters (ids are shorter,
// see validID).
func nonBlank(s string) bool {
	return strings.TrimSpace(s) != "" && !strings.ContainsFunc(s, isControl) && utf8.RuneCountInString(s) <= MaxNameLength
}

// validID reports an id within the gateway's limits.
func validID(s string) bool { return nonBlank(s) && utf8.RuneCountInString(s) <= MaxIDLength }

func FuzzCustomerBody(f *testing.F) {
	for _, s := range []string{`{"name":"Ann","email":"a@x"}`, `[{"name":"Ann","email":"a@x"},{"name":"B","email":"b@y"}]`,
		`{"name":"Ann"}`, `{"name":" ","email":"a@x"}`, `{"name":"Ann","email":"nope"}`, `{"name":1}`, `[]`, `{"x":1}`, `{}{}`, ``, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzDecoders[Customer](t, body, func(c model.Customer) bool {
			return nonBlank(c.Name) && checkEmail(c.Email) == nil && c.ID == "id-1"
		})
	})
}

func FuzzProductBody(f *testing.F) {
	for _, s := range []string{`{"name":"Pen","price":1.5}`, `[{"name":"Pen","price":0}]`, `{"name":"Pen","price":-1}`,
		`{"name":"Pen","price":"1"}`, `{"name":"Pen","price":1e400}`, `{"name":"Pen","price":9223372036854775807}`, `{"name":"P\u0000n","price":1}`, `{"name":"Pen"}`, `[{"name":"Pen","price":1},1]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzDecoders[Product](t, body, func(p model.Product) bool { return nonBlank(p.Name) && p.Price >= 0 })
	})
}

func FuzzInventoryBody(f *testing.F) {
	for _, s := range []string{`{"product_id":"p1","amount":10}`, `[{"product_id":"p1","amount":0}]`, `{"product_id":"p1","amount":-1}`,
		`{"product_id":"p1","amount":1.5}`, `{"product_id":"","amount":1}`, `{"amount":99999999999999999999}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzDecoders[Inventory](t, body, func(i model.Inventory) bool { return validID(i.ProductID) && i.Amount >= 0 })
	})
}

func FuzzOrderBody(f *testing.F) {
	for _, s := range []string{`{"customer_id":"c1","product_ids":["p1","p1"]}`, `[{"customer_id":"c1","product_ids":["p1"],"status":"paid"}]`,
		`{"customer_id":"c1","product_ids":[]}`, `{"customer_id":"c1","product_ids":[""]}`, `{"customer_id":"c1","product_ids":"p1"}`,
		`{"customer_id":"c1","product_ids":[null]}`, `{"customer_id":"c1","product_ids":["p1"],"id":"o9"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzDecoders[Order](t, body, func(o model.Order) bool {
			if !validID(o.CustomerID) || len(o.ProductIDs) == 0 || len(o.ProductIDs) > MaxProductsPerOrder {
				return false
			}
			for _, p := range o.ProductIDs {
				if !validID(p) {
					return false
				}
			}
			return true
		})
	})
}

// FuzzBillingBody covers POST /billings: one object with an order_id.
func FuzzBillingBody(f *testing.F) {
	for _, s := range []string{`{"order_id":"o1"}`, `{"order_id":""}`, `{"order_id":1}`, `[{"order_id":"o1"}]`, `{"order_id":"o1","x":1}`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/billings", strings.NewReader(body))
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, fuzzBodyLimit)
		in, err := DecodeOne[Billing](r)
		if err == nil {
			err = NeedID("order_id", in.OrderID)
		}
		var ae *respond.Error
		switch {
		case err != nil && (!errors.As(err, &ae) || ae.Status() != http.StatusBadRequest && ae.Status() != http.StatusRequestEntityTooLarge):
			t.Fatalf("body %q: error %T %v, want a 400 or 413 *respond.Error", body, err, err)
		case err == nil && (in.OrderID == nil || !nonBlank(*in.OrderID) || !json.Valid([]byte(body))):
			t.Fatalf("body %q accepted with order_id %v", body, in.OrderID)
		}
	})
}
