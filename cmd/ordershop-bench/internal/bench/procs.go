package bench

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// process is one running function binary.
type process struct{ *proctest.Process }

// startProcess runs binDir/name against the Redis redisEnv names
// ("REDIS_URL=…" or "REDIS_CLUSTER_URL=…") on a free loopback port and
// waits for its /readyz.
func startProcess(binDir, name, redisEnv string) (*process, error) {
	p, err := proctest.StartFree(name, filepath.Join(binDir, shopkit.BinaryOf(name)), []string{redisEnv,
		"LISTEN_HOST=127.0.0.1", "LOG_LEVEL=error", "CONSUMER_NAME=bench-" + name})
	if err != nil {
		return nil, err
	}
	if err := p.WaitStatus("/readyz", 20*time.Second); err != nil {
		_, _ = p.Stop(15 * time.Second)
		return nil, err
	}
	return &process{p}, nil
}

// stop sends SIGTERM and waits (SIGKILL after 15s).
func (p *process) stop() { _, _ = p.Stop(15 * time.Second) }

// rssMB reads the process's resident set size from /proc, in MB.
func (p *process) rssMB() (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, fmt.Errorf("rss of %s: %w", p.Name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("rss of %s: %w", p.Name, err)
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("rss of %s: no VmRSS", p.Name)
}
