// Package clitest runs the module's command lines in tests: the
// environment they see and the exit codes they must give.
package clitest

import (
	"strings"
	"testing"
)

// Run runs a command line in-process with env and returns its exit code,
// stdout and stderr.
type Run func(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string)

// Getenv is a getenv that serves env, else defaults. A variable set to ""
// in env is an unset one (defaults does not fill it in).
func Getenv(env, defaults map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return defaults[k]
	}
}

// ExitCase is a command line and the exit code it must give.
type ExitCase struct {
	Name string
	// Env is added to the command's environment (see Getenv).
	Env  map[string]string
	Args []string
	Want int
}

// ExitCodes runs each case through run as a subtest, which fails unless
// the command exits with the case's Want and neither its stdout nor its
// stderr shows secret (a password a case puts in REDIS_URL, say).
func ExitCodes(t *testing.T, run Run, secret string, cases []ExitCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			code, out, errOut := run(t, c.Env, c.Args...)
			if code != c.Want {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.Want, out, errOut)
			}
			if strings.Contains(out+errOut, secret) {
				t.Fatalf("password in output: %s %s", out, errOut)
			}
		})
	}
}
