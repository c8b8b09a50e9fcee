package runtimetest_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ordershop/functions/runtime/runtimetest"
)

// TestDocListsEveryProperty keeps runtime/doc.go's conformance table in
// step with the suite: every property is listed there, every test named
// beside it exists, and nothing listed is not a property.
func TestDocListsEveryProperty(t *testing.T) {
	doc, err := os.ReadFile("../doc.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	row := regexp.MustCompile(`(?m)^//\t([A-Z][A-Za-z]+/[A-Za-z]+)\s+(.*)$`)
	var named []string
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		listed[m[1]] = true
		named = append(named, strings.Split(m[2], ", ")...)
	}
	for _, p := range runtimetest.Properties() {
		if !listed[p.Name] {
			t.Errorf("property %s is not listed in runtime/doc.go", p.Name)
		}
		delete(listed, p.Name)
	}
	for name := range listed {
		t.Errorf("runtime/doc.go lists %s, which is no property of the suite", name)
	}
	var tests strings.Builder
	files, _ := os.ReadDir("..")
	for _, f := range files {
		if strings.HasSuffix(f.Name(), "_test.go") {
			b, _ := os.ReadFile("../" + f.Name())
			tests.Write(b)
		}
	}
	for _, n := range named {
		if n = strings.TrimSpace(n); n != "" && !strings.Contains(tests.String(), "func "+n+"(") {
			t.Errorf("runtime/doc.go names %s, which is no test of package runtime", n)
		}
	}
}
