package cmdkit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
)

func TestWriteJSONIndents(t *testing.T) {
	var b bytes.Buffer
	if err := cmdkit.WriteJSON(&b, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "{\n  \"a\": 1\n}\n"; got != want {
		t.Fatalf("WriteJSON = %q, want %q", got, want)
	}
}

func TestWriteJSONWrapsTheEncodersError(t *testing.T) {
	err := cmdkit.WriteJSON(&bytes.Buffer{}, func() {})
	var unsupported *json.UnsupportedTypeError
	if !errors.As(err, &unsupported) {
		t.Fatalf("WriteJSON of a func = %v, want it to wrap a json.UnsupportedTypeError", err)
	}
}
