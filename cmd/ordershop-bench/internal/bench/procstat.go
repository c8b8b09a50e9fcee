package bench

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// parseProcStat reads utime and stime (fields 14 and 15, in clock ticks)
// from the text of /proc/<pid>/stat. The command name (field 2) is in
// parentheses and may hold spaces or parentheses itself, so the fields
// are counted after its last ")".
func parseProcStat(text string) (utime, stime int64, err error) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("stat %q: no command name", text)
	}
	// After ")": state is field 3, so utime (14) is the 12th, stime the 13th.
	fields := strings.Fields(text[i+1:])
	if len(fields) < 13 {
		return 0, 0, fmt.Errorf("stat %q: %d fields after the name", text, len(fields))
	}
	if utime, err = strconv.ParseInt(fields[11], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("stat utime: %w", err)
	}
	if stime, err = strconv.ParseInt(fields[12], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("stat stime: %w", err)
	}
	return utime, stime, nil
}

// atClkTck is the auxiliary vector's key for sysconf(_SC_CLK_TCK).
const atClkTck = 17

// parseAuxvClkTck finds AT_CLKTCK in an auxiliary vector (pairs of
// native words, little-endian on the machines this runs on).
func parseAuxvClkTck(auxv []byte) (int64, bool) {
	for i := 0; i+16 <= len(auxv); i += 16 {
		k, v := binary.LittleEndian.Uint64(auxv[i:]), binary.LittleEndian.Uint64(auxv[i+8:])
		if k == 0 {
			break
		}
		if k == atClkTck && v > 0 {
			return int64(v), true
		}
	}
	return 0, false
}

var (
	clkTckOnce sync.Once
	clkTck     int64
)

// clockTicks is the kernel's clock ticks per second (what `getconf
// CLK_TCK` prints), read from this process's auxiliary vector; 100 when
// it cannot be read.
func clockTicks() int64 {
	clkTckOnce.Do(func() {
		clkTck = 100
		if b, err := os.ReadFile("/proc/self/auxv"); err == nil {
			if v, ok := parseAuxvClkTck(b); ok {
				clkTck = v
			}
		}
	})
	return clkTck
}

// procCPU returns the user+sys CPU seconds of process pid (/proc).
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("CPU of pid %d: %w", pid, err)
	}
	u, s, err := parseProcStat(string(b))
	if err != nil {
		return 0, fmt.Errorf("CPU of pid %d: %w", pid, err)
	}
	return float64(u+s) / float64(clockTicks()), nil
}
