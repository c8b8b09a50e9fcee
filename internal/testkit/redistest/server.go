// Package redistest starts throwaway redis-server processes on free loopback
// ports for tests. Nothing here touches a Redis that is already running
// (such as the one on 6379): every Server owns its process, port and data
// directory, and removes them on Stop.
//
// The usual shape is one server per test package, started in TestMain:
//
//	var srv *redistest.Server
//
//	func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }
//
// and one client per test from srv.Client(t).
//
// StartCluster (NewCluster, RunCluster) starts a Redis Cluster the same
// way: cluster-enabled servers on free loopback ports, joined with
// redis-cli --cluster create, with fault helpers for tests (KillMaster,
// WaitFailover, RestartNode, MigrateSlot and BeginMigration).
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options tune a Server. The zero value is a plain in-memory server.
type Options struct {
	// AppendOnly turns on AOF persistence (appendfsync always), so that a
	// Restart or a Kill followed by Restart keeps every acknowledged write.
	AppendOnly bool
	// Args are extra redis-server arguments, such as "--requirepass", "s3cret".
	Args []string
}

// Server is one redis-server process on 127.0.0.1 and a free port.
type Server struct {
	// Port is the TCP port the server listens on.
	Port int
	// Dir is the server's working directory (AOF files live here).
	Dir string

	opts    Options
	ownsDir bool
	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
}

// Binary returns the path of redis-server, from $REDIS_SERVER or $PATH.
func Binary() (string, error) {
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redis-server not found on PATH (run `make deps` or apt-get install redis-server): %w", err)
	}
	return p, nil
}

// Start launches a redis-server on a free loopback port and waits until it
// answers PING.
func Start(opts Options) (*Server, error) {
	dir, err := os.MkdirTemp("", "redistest-*")
	if err != nil {
		return nil, fmt.Errorf("redistest: temp dir: %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Port: port, Dir: dir, opts: opts, ownsDir: true}
	if err := s.start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// handedOut holds the ports FreePort returned, so that one process never
// gets the same port twice (the kernel may offer a port again once its
// probe socket is closed and before the caller binds it).
var handedOut sync.Map

// FreePort asks the kernel for a free TCP port on 127.0.0.1 that this
// process has not been given before.
func FreePort() (int, error) {
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("redistest: free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if _, taken := handedOut.LoadOrStore(port, true); !taken {
			return port, nil
		}
	}
	return 0, fmt.Errorf("redistest: no fresh free port after 100 tries")
}

func (s *Server) start() error {
	bin, err := Binary()
	if err != nil {
		return err
	}
	args := []string{
		"--port", strconv.Itoa(s.Port),
		"--bind", "127.0.0.1",
		"--dir", s.Dir,
		"--save", "",
		"--daemonize", "no",
		"--logfile", filepath.Join(s.Dir, "redis.log"),
	}
	if s.opts.AppendOnly {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	args = append(args, s.opts.Args...)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: start %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	return s.waitReady(10 * time.Second)
}

// waitReady waits until the server answers PING (not LOADING: after a
// restart it first replays its AOF).
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond, Password: s.password()})
	defer c.Close()
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || redis.HasErrorPrefix(err, "NOAUTH") || redis.HasErrorPrefix(err, "WRONGPASS") {
			return nil
		}
		select {
		case <-s.exited:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			return fmt.Errorf("redistest: redis-server exited early: %s", log)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("redistest: redis-server on %s not ready after %s", s.Addr(), timeout)
}

// password returns the --requirepass of the server's Args, if any.
func (s *Server) password() string {
	for i, a := range s.opts.Args {
		if a == "--requirepass" && i+1 < len(s.opts.Args) {
			return s.opts.Args[i+1]
		}
	}
	return ""
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// URL is a REDIS_URL for the server, database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Options returns go-redis options for the server.
func (s *Server) Options() *redis.Options { return &redis.Options{Addr: s.Addr()} }

// Kill stops the server with SIGKILL and waits for it to exit.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL) }

// Stop shuts the server down gracefully (SIGTERM) and waits for it to exit.
func (s *Server) Stop() error { return s.signal(syscall.SIGTERM) }

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-exited:
		return nil
	default:
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("redistest: signal %v: %w", sig, err)
	}
	select {
	case <-exited:
		return nil
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("redistest: redis-server did not exit on %v", sig)
	}
}

// Restart starts the server again on the same port and directory after a
// Stop or Kill.
func (s *Server) Restart() error { return s.start() }

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Stop()
	if s.ownsDir {
		_ = os.RemoveAll(s.Dir)
	}
	return err
}

// Client returns a client for the server, closed when the test ends.
func (s *Server) Client(t testingT) *redis.Client {
	c := redis.NewClient(s.Options())
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// FlushAll empties the server; tests that share a server call it first.
func (s *Server) FlushAll(t testingT) {
	c := redis.NewClient(s.Options())
	defer c.Close()
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		t.Fatalf("redistest: FLUSHALL: %v", err)
	}
}

// testingT is the part of testing.TB that the helpers use.
type testingT interface {
	Cleanup(func())
	Fatalf(format string, args ...any)
	Helper()
}

// Down stops the server with sig (syscall.SIGTERM: a graceful shutdown,
// syscall.SIGKILL: a crash) in the middle of a test, and returns the
// function that starts it again, which fails the test if it cannot. If the
// test ends before that, a cleanup restarts it, so that the next test of a
// package that shares the server finds it up.
func (s *Server) Down(t testingT, sig syscall.Signal) (restart func()) {
	t.Helper()
	if err := s.signal(sig); err != nil {
		t.Fatalf("%v", err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = s.Restart()
		}
	})
	return func() {
		t.Helper()
		if err := s.Restart(); err != nil {
			t.Fatalf("%v", err)
		}
		restarted = true
	}
}
