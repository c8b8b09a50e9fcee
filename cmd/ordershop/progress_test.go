package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressBar(t *testing.T) {
	t.Run("large replays get a bar with counts", func(t *testing.T) {
		var buf bytes.Buffer
		update, finish := progressBar(&buf, true, "replaying")
		for i := 1; i <= 25; i++ {
			update(i, 25)
		}
		finish()
		if !strings.Contains(buf.String(), "replaying") || !strings.Contains(buf.String(), "25/25") {
			t.Fatalf("bar output %q", buf.String())
		}
	})
	t.Run("small replays and non-terminals get none", func(t *testing.T) {
		var buf bytes.Buffer
		update, finish := progressBar(&buf, true, "replaying")
		update(1, 2)
		finish()
		if off, _ := progressBar(&buf, false, "replaying"); off != nil || buf.Len() != 0 {
			t.Fatalf("unexpected output %q", buf.String())
		}
	})
}
