package typemux

import "testing"

// handler is a handler of the test: an interface, as runtime.Handler is.
type handler interface{ name() string }

type named string

func (n named) name() string { return string(n) }

// TestLookupFallsBackOnlyToASetDefault: a registered type finds its
// handler; another finds the default once one is set, and nothing while
// none is (Default(nil) sets none); the zero Mux is usable.
func TestLookupFallsBackOnlyToASetDefault(t *testing.T) {
	var m Mux[handler]
	if _, ok := m.Lookup("a"); ok {
		t.Fatal("the zero Mux found a handler")
	}
	m.On("a", named("a"))
	if h, ok := m.Lookup("a"); !ok || h.name() != "a" {
		t.Fatalf("Lookup(a): %v, want a's handler", ok)
	}
	m.Default(nil)
	if _, ok := m.Lookup("b"); ok {
		t.Fatal("Default(nil) set a fallback")
	}
	m.Default(named("default"))
	if h, ok := m.Lookup("b"); !ok || h.name() != "default" {
		t.Fatalf("Lookup(b): %v, want the default", ok)
	}
	if types := m.Types(); len(types) != 1 || types[0] != "a" {
		t.Fatalf("Types() = %v, want [a]", types)
	}
}
