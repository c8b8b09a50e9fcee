// Package smtptest is a minimal SMTP server on a loopback port for tests:
// it counts the mails it accepts by Message-ID and, during an outage
// (Server.Fail), refuses every mail with a transient error.
package smtptest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a minimal SMTP server on a loopback port that counts the
// mails it accepts by Message-ID. During an outage (see fail) it refuses
// every mail with a transient error, in turn: 421 on connect, 451 to MAIL
// FROM, and 451 after the whole message was sent.
type Server struct {
	ln net.Listener

	mu        sync.Mutex
	until     time.Time      // refuse mails until then
	conns     int            // connections so far
	refused   int            // mails refused during the outage
	delivered map[string]int // accepted mails by Message-ID
	wg        sync.WaitGroup
}

// Start listens on a free loopback port until the test ends.
func Start(t testing.TB) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ln: ln, delivered: map[string]int{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() { _ = ln.Close(); s.wg.Wait() })
	return s
}

// Addr is host:port for SMTP_ADDR.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Fail refuses every mail for d from now (the outage is driven by this
// timer, not by the test); Fail(0) ends an outage.
func (s *Server) Fail(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.until = time.Now().Add(d)
}

// down reports whether the outage is on.
func (s *Server) down() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Before(s.until)
}

// Deliveries is how often a mail with this Message-ID was accepted.
func (s *Server) Deliveries(messageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered[messageID]
}

// Stats returns the mails accepted and refused so far.
func (s *Server) Stats() (accepted, refused int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.delivered {
		accepted += n
	}
	return accepted, s.refused
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		n := s.conns
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			s.serve(textproto.NewConn(c), n%3)
		}()
	}
}

// serve speaks SMTP on one connection; mode picks how an outage refuses.
func (s *Server) serve(tc *textproto.Conn, mode int) {
	if s.down() && mode == 0 {
		s.refuse(tc, "421 4.3.2 service not available")
		return
	}
	_ = tc.PrintfLine("220 faults ESMTP")
	for {
		line, err := tc.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			_ = tc.PrintfLine("250 faults")
		case verb == "MAIL" && s.down() && mode == 1:
			s.refuse(tc, "451 4.3.0 try again later")
			return
		case verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP":
			_ = tc.PrintfLine("250 ok")
		case verb == "DATA":
			_ = tc.PrintfLine("354 go ahead")
			body, err := io.ReadAll(tc.DotReader())
			if err != nil {
				return
			}
			msg, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(body))).ReadMIMEHeader()
			if s.down() {
				s.refuse(tc, "451 4.3.0 try again later")
				return
			}
			s.mu.Lock()
			s.delivered[msg.Get("Message-Id")]++
			s.mu.Unlock()
			_ = tc.PrintfLine("250 ok")
		case verb == "QUIT":
			_ = tc.PrintfLine("221 bye")
			return
		default:
			_ = tc.PrintfLine("502 not implemented")
		}
	}
}

func (s *Server) refuse(tc *textproto.Conn, reply string) {
	s.mu.Lock()
	s.refused++
	s.mu.Unlock()
	_ = tc.PrintfLine("%s", reply)
}
