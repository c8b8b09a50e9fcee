// Package foreman runs the shop the way a new user does, from a fresh copy
// of the repository: `make build`, then `foreman start` with the committed
// .env, and `make run` beside a taken port 6380; and the CLI, run in the
// copy, finds the Redis that foreman's processes use.
//
// The copy holds exactly the files git tracks (their working-tree content),
// so a default that is not committed, or a file that .gitignore hides, is
// missing here as it is in a clone. TestMain copies and builds once; the
// tests run one after another in that copy, each on free loopback ports.
// make run picks its ports by probing, so two runs of this package at once
// (two worktrees' make test on one machine) could pick the same: a lock
// file makes them take turns.
// foreman (Debian's ruby-foreman), curl and git come from `make deps`,
// which `make test` runs first: a missing tool fails the tests.
package foreman

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

const (
	// buildTimeout bounds the copy's `make build` (six functions, the CLI and ordershop-bench).
	buildTimeout = 5 * time.Minute
	// lockTimeout bounds the wait for another run of this package.
	lockTimeout = 10 * time.Minute
	// lockName is the lock file in os.TempDir().
	lockName = "ordershop-tests-foreman.lock"
)

var (
	// repoRoot is the repository's root directory (absolute).
	repoRoot string
	// clone is the fresh copy of the repository, built.
	clone string
)

func TestMain(m *testing.M) {
	os.Exit(shopkit.Main(m, shopkit.Setup{Prepare: prepareClone}, nil))
}

// prepareClone takes the machine-wide lock, copies the repository's
// tracked files to clone and runs make build there; its cleanup removes
// the copy and releases the lock.
func prepareClone() (func(), error) {
	unlock, err := lockMachine()
	if err != nil {
		return nil, err
	}
	if repoRoot, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		unlock()
		return nil, fmt.Errorf("repository root: %w", err)
	}
	if clone, err = os.MkdirTemp("", "ordershop-clone-*"); err != nil {
		unlock()
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(clone); unlock() }
	if err := buildClone(); err != nil {
		cleanup()
		return nil, err
	}
	return cleanup, nil
}

// buildClone copies the tracked files to clone and runs make build there.
func buildClone() error {
	if err := copyTracked(repoRoot, clone); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	build := exec.CommandContext(ctx, "make", "build")
	build.Dir, build.Env = clone, environ(goflags())
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("make build in a fresh copy: %w\n%s", err, out)
	}
	return nil
}

// lockMachine takes the machine-wide lock of this package (flock on a file
// in os.TempDir(), released when the process ends), waiting up to
// lockTimeout for another run to finish.
func lockMachine() (func(), error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), lockName), os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	deadline := time.Now().Add(lockTimeout)
	for said := false; ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s (another tests/foreman run?): %w", f.Name(), err)
		}
		if !said {
			fmt.Fprintln(os.Stderr, "tests/foreman: waiting for another run of these tests to finish")
			said = true
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// goflags is GOFLAGS with -trimpath added: the copy lives in a new
// temporary folder each time, and without -trimpath the build cache keys
// its packages by folder, so every run would compile the module afresh.
func goflags() string {
	return "GOFLAGS=" + strings.TrimSpace(os.Getenv("GOFLAGS")+" -trimpath")
}

// copyTracked copies every file git tracks under src to dst, keeping its
// mode (scripts stay executable). A tracked file deleted from the working
// tree is left out, as the next commit would leave it out.
func copyTracked(src, dst string) error {
	out, err := exec.Command("git", "-C", src, "ls-files", "-z").Output()
	if err != nil {
		return fmt.Errorf("git ls-files (git comes from make deps): %w", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		err := copyFile(filepath.Join(src, name), filepath.Join(dst, name))
		if err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// copyFile copies one regular file, creating dst's directory.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", src, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}
