package slotaudit

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// Unit is one unit of work a node ran, as MONITOR showed it: one command,
// a MULTI ... EXEC block of one client, or a script (EVAL, EVALSHA,
// FCALL) with every command it ran inside Redis, declared keys or not.
type Unit struct {
	// Node is the address of the node that ran it.
	Node string
	// Client is the client's address ("lua" never: a script's commands
	// belong to the script's unit).
	Client string
	// Kind is "command", "multi" or "script".
	Kind string
	// Commands are the arguments of each command of the unit, the script
	// call or the MULTI block's commands first.
	Commands [][]any
}

// Watch records, by MONITOR on every node it watches, every unit of work
// of every client of those nodes: unlike Start it needs no hook in the
// client, so it audits other processes (the shop's binaries).
type Watch struct {
	mons []*watcher
}

// StartWatch opens a MONITOR connection to each of addrs (every master
// of a cluster, or a one-node cluster) and records from now on; the
// connections close when the test ends or at Stop.
func StartWatch(t testing.TB, addrs ...string) *Watch {
	t.Helper()
	w := &Watch{}
	for _, addr := range addrs {
		m, err := startWatcher(addr)
		if err != nil {
			w.close()
			t.Fatalf("%v", err)
		}
		w.mons = append(w.mons, m)
	}
	t.Cleanup(w.close)
	return w
}

func (w *Watch) close() {
	for _, m := range w.mons {
		m.conn.Close()
	}
}

// Stop waits until every node's MONITOR showed an end mark (so that
// nothing sent before Stop is missed), closes the connections and returns
// every unit recorded, node by node.
func (w *Watch) Stop(t testing.TB) []Unit {
	t.Helper()
	ctx := context.Background()
	mark := fmt.Sprintf("slotaudit-watch-end-%d", markSeq.Add(1))
	for _, m := range w.mons {
		c := redis.NewClient(&redis.Options{Addr: m.addr})
		err := c.Echo(ctx, mark).Err()
		c.Close()
		if err != nil {
			t.Fatalf("slotaudit: ECHO on %s: %v", m.addr, err)
		}
	}
	var out []Unit
	for _, m := range w.mons {
		redistest.Eventually(t, 10*time.Second, func() bool { return m.seen(mark) }, "MONITOR of %s did not log the end mark", m.addr)
		m.conn.Close()
		<-m.done
		m.mu.Lock()
		if m.err != nil {
			t.Errorf("%v", m.err)
		}
		out = append(out, m.units...)
		m.mu.Unlock()
	}
	return out
}

// watcher is the MONITOR connection of one node.
type watcher struct {
	addr string
	conn net.Conn
	r    *bufio.Reader

	mu    sync.Mutex
	units []Unit
	// multi is the open MULTI block of each client.
	multi map[string]*Unit
	// script is where the commands of the running script go ("[0 lua]"
	// lines follow their script's line at once: a script runs alone).
	script *Unit
	marks  map[string]bool
	err    error
	done   chan struct{}
}

func startWatcher(addr string) (*watcher, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("slotaudit: dial %s: %w", addr, err)
	}
	m := &watcher{addr: addr, conn: conn, r: bufio.NewReaderSize(conn, 1<<20), multi: map[string]*Unit{}, marks: map[string]bool{}, done: make(chan struct{})}
	if _, err := conn.Write([]byte("MONITOR\r\n")); err != nil {
		conn.Close()
		return nil, fmt.Errorf("slotaudit: MONITOR on %s: %w", addr, err)
	}
	line, err := m.r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "+OK" {
		conn.Close()
		return nil, fmt.Errorf("slotaudit: MONITOR on %s answered %q, %v", addr, line, err)
	}
	go m.read()
	return m, nil
}

func (m *watcher) read() {
	defer close(m.done)
	for {
		line, err := m.r.ReadString('\n')
		if err != nil {
			return
		}
		source, args, err := parseLine(strings.TrimRight(line, "\r\n"))
		m.mu.Lock()
		if err != nil && m.err == nil {
			m.err = fmt.Errorf("%s: %w", m.addr, err)
		} else if err == nil {
			m.add(source, args)
		}
		m.mu.Unlock()
	}
}

// add files one logged command (m.mu held).
func (m *watcher) add(client string, args []any) {
	if client == "lua" {
		if m.script != nil {
			m.script.Commands = append(m.script.Commands, args)
		}
		return
	}
	m.script = nil
	name := strings.ToLower(fmt.Sprint(args[0]))
	if block, open := m.multi[client]; open {
		switch name {
		case "exec":
			m.units = append(m.units, *block)
			delete(m.multi, client)
		case "discard":
			delete(m.multi, client)
		default:
			block.Commands = append(block.Commands, args)
			if isScript(name) {
				m.script = block
			}
		}
		return
	}
	switch {
	case name == "multi":
		m.multi[client] = &Unit{Node: m.addr, Client: client, Kind: "multi"}
	case isScript(name):
		m.units = append(m.units, Unit{Node: m.addr, Client: client, Kind: "script", Commands: [][]any{args}})
		m.script = &m.units[len(m.units)-1]
	default:
		if name == "echo" && len(args) == 2 {
			m.marks[fmt.Sprint(args[1])] = true
		}
		m.units = append(m.units, Unit{Node: m.addr, Client: client, Kind: "command", Commands: [][]any{args}})
	}
}

func (m *watcher) seen(mark string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.marks[mark]
}
