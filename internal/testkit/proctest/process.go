package proctest

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// ErrKilled is what Stop returns when the process did not exit within its
// limit after SIGTERM and was killed.
var ErrKilled = errors.New("did not exit after SIGTERM, killed")

// Process is one running binary, its output collected in a Buffer. It is
// killed (SIGKILL) if the process that started it dies.
type Process struct {
	// Name is the function the process runs (or the command, see
	// StartCmd), for messages.
	Name string
	// Path is the binary's path.
	Path string
	// Port is the HTTP port the process was given (PORT); 0 if none.
	Port int

	cmd    *exec.Cmd
	out    *Buffer
	exited chan struct{}
}

// Start runs the binary at path as function name on port, with env added
// to os.Environ() and PORT set last (a later variable wins over an earlier
// one). Its stdout and stderr go to its Output.
func Start(name, path string, port int, env []string) (*Process, error) {
	cmd := exec.Command(path)
	cmd.Env = append(append(os.Environ(), env...), "PORT="+strconv.Itoa(port))
	p, err := StartCmd(name, cmd)
	if err != nil {
		return nil, err
	}
	p.Port = port
	return p, nil
}

// StartCmd starts cmd, which has not been started, as the Process name:
// its stdout and stderr go to the Process's Output, and it is killed
// (SIGKILL) if the process that started it dies; the rest of cmd (Dir,
// Env, other SysProcAttr settings such as Setpgid) is as given.
func StartCmd(name string, cmd *exec.Cmd) (*Process, error) {
	out := &Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, Path: cmd.Path, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// URL is the process's HTTP base URL on loopback.
func (p *Process) URL() string { return "http://127.0.0.1:" + strconv.Itoa(p.Port) }

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Output returns what the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.out.String() }

// Exited is closed once the process has exited (and been waited for).
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Alive reports whether the process has not exited.
func (p *Process) Alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// ExitCode is the process's exit code once it exited: -1 while it runs or
// if a signal ended it.
func (p *Process) ExitCode() int {
	if p.Alive() {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// Kill sends SIGKILL and waits until the process is gone. It returns the
// error of sending the signal (os.ErrProcessDone if it had exited).
func (p *Process) Kill() error {
	err := p.cmd.Process.Signal(syscall.SIGKILL)
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.exited
	return err
}

// Stop sends SIGTERM and waits up to limit for the process to exit, and
// returns its exit code. If it is still running then, Stop kills it and
// returns -1 and ErrKilled. If SIGTERM cannot be sent, Stop returns that
// error (os.ErrProcessDone, with the exit code, if the process had exited).
func (p *Process) Stop(limit time.Duration) (int, error) {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		if errors.Is(err, os.ErrProcessDone) {
			<-p.exited
			return p.ExitCode(), err
		}
		return -1, err
	}
	select {
	case <-p.exited:
		return p.ExitCode(), nil
	case <-time.After(limit):
		_ = p.Kill()
		return -1, ErrKilled
	}
}

// WaitStatus polls GET path (such as /healthz or /readyz) until it answers
// 200. It fails if the process exits first or timeout passes.
func (p *Process) WaitStatus(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if !p.Alive() {
			return fmt.Errorf("%s exited before %s answered 200:\n%s", p.Name, path, p.Output())
		}
		if resp, err := http.Get(p.URL() + path); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not 200 after %s", p.Name, path, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
