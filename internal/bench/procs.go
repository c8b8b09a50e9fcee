package bench

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ordershop/functions/internal/redistest"
)

// ShopFunctions are the processes of the shop, gateway first.
var ShopFunctions = []string{"gateway", "projector", "inventory", "billing", "crm", "mailer"}

// process is one running function binary.
type process struct {
	name string
	port int
	cmd  *exec.Cmd
}

// startProcess runs binDir/name against redisURL on a free loopback port
// and waits for its /readyz.
func startProcess(binDir, name, redisURL string) (*process, error) {
	port, err := redistest.FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(binDir, name))
	cmd.Env = append(os.Environ(), "REDIS_URL="+redisURL, "PORT="+strconv.Itoa(port),
		"LISTEN_HOST=127.0.0.1", "LOG_LEVEL=error", "CONSUMER_NAME=bench-"+name)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, port: port, cmd: cmd}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.url() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s not ready after 20s", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *process) url() string { return "http://127.0.0.1:" + strconv.Itoa(p.port) }

// stop sends SIGTERM and waits (SIGKILL after 15s).
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// rssMB reads the process's resident set size from /proc, in MB.
func (p *process) rssMB() (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("rss of %s: %w", p.name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("rss of %s: %w", p.name, err)
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("rss of %s: no VmRSS", p.name)
}
