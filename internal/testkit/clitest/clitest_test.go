package clitest_test

import (
	"testing"

	"github.com/ordershop/functions/internal/testkit/clitest"
)

func TestGetenvServesEnvThenDefaults(t *testing.T) {
	getenv := clitest.Getenv(map[string]string{"A": "env", "UNSET": ""}, map[string]string{"A": "default", "B": "default", "UNSET": "default"})
	for k, want := range map[string]string{"A": "env", "B": "default", "UNSET": "", "C": ""} {
		if got := getenv(k); got != want {
			t.Errorf("getenv(%q) = %q, want %q", k, got, want)
		}
	}
}

func TestExitCodesPassesWhatExitsAsWanted(t *testing.T) {
	run := func(t *testing.T, env map[string]string, args ...string) (int, string, string) {
		return len(args), "out " + env["X"], "err"
	}
	clitest.ExitCodes(t, run, "s3cret", []clitest.ExitCase{
		{Name: "no args", Want: 0},
		{Name: "two args", Env: map[string]string{"X": "y"}, Args: []string{"a", "b"}, Want: 2},
	})
}
