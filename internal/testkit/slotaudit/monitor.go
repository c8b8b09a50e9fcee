package slotaudit

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// monitor reads a MONITOR connection and groups what it sees into script
// units: an EVAL/EVALSHA/FCALL line and the lines Redis logs for the
// commands the script runs ("[0 lua] ..."), which follow it at once since
// a script runs alone.
type monitor struct {
	conn net.Conn
	r    *bufio.Reader

	mu      sync.Mutex
	units   []unit
	current unit
	marks   map[string]bool
	err     error
	done    chan struct{}
}

// startMonitor opens a MONITOR connection to addr and waits for its +OK.
func startMonitor(addr string) (*monitor, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("slotaudit: dial %s: %w", addr, err)
	}
	m := &monitor{conn: conn, r: bufio.NewReaderSize(conn, 1<<20), marks: map[string]bool{}, done: make(chan struct{})}
	if _, err := conn.Write([]byte("MONITOR\r\n")); err != nil {
		conn.Close()
		return nil, fmt.Errorf("slotaudit: MONITOR: %w", err)
	}
	line, err := m.r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "+OK" {
		conn.Close()
		return nil, fmt.Errorf("slotaudit: MONITOR answered %q, %v", line, err)
	}
	go m.read()
	return m, nil
}

// read parses lines until the connection closes.
func (m *monitor) read() {
	defer close(m.done)
	for {
		line, err := m.r.ReadString('\n')
		if err != nil {
			return
		}
		source, args, err := parseLine(strings.TrimRight(line, "\r\n"))
		m.mu.Lock()
		if err != nil {
			m.err = err
		} else {
			m.add(source, args)
		}
		m.mu.Unlock()
	}
}

// add files one logged command (m.mu held).
func (m *monitor) add(source string, args []any) {
	name := strings.ToLower(fmt.Sprint(args[0]))
	if source == "lua" {
		if m.current != nil {
			m.current = append(m.current, args)
		}
		return
	}
	if m.current != nil {
		m.units = append(m.units, m.current)
		m.current = nil
	}
	if isScript(name) {
		m.current = unit{args}
	}
	if name == "echo" && len(args) == 2 {
		m.marks[fmt.Sprint(args[1])] = true
	}
}

// seen reports whether ECHO mark was logged.
func (m *monitor) seen(mark string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.marks[mark]
}

// stop closes the connection and returns the script units and the first
// parse error.
func (m *monitor) stop() ([]unit, error) {
	m.conn.Close()
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current != nil {
		m.units = append(m.units, m.current)
		m.current = nil
	}
	return m.units, m.err
}

// parseLine splits a MONITOR line, `+<time> [<db> <client>|lua] "ARG" ...`,
// into its source ("lua" for a script's commands) and its arguments
// (Redis quotes them as Go does: \" \\ \n \r \t \a \b \xHH).
func parseLine(line string) (string, []any, error) {
	open, closing := strings.IndexByte(line, '['), strings.IndexByte(line, ']')
	if !strings.HasPrefix(line, "+") || open < 0 || closing < open {
		return "", nil, fmt.Errorf("slotaudit: monitor line %q", line)
	}
	who := strings.Fields(line[open+1 : closing])
	source := who[len(who)-1]
	var args []any
	rest := line[closing+1:]
	for {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		end := 1
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(rest) {
			return "", nil, fmt.Errorf("slotaudit: unterminated argument in %q", line)
		}
		arg, err := strconv.Unquote(rest[:end+1])
		if err != nil {
			return "", nil, fmt.Errorf("slotaudit: argument %s of %q: %w", rest[:end+1], line, err)
		}
		args = append(args, arg)
		rest = rest[end+1:]
	}
	if len(args) == 0 {
		return "", nil, fmt.Errorf("slotaudit: no command in %q", line)
	}
	return source, args, nil
}
