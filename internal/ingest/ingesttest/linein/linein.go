// Package linein is a sixth ingest protocol that exists for tests (a test double, not
// shipped): raw signed 16-bit little-endian 8 kHz mono over TCP from a trusted loopback
// peer, one connection per party, after one line "CALL <id> <party>\n". It shows what
// adding a protocol to Undertone takes — this package and one registration line
// (server.WithProtocol(linein.Protocol) in a test, or a line in internal/server's
// protocols list) — and, run through the ingest contract, that the admission path gives
// it ownership, limits, pacing and cues like every other protocol.
package linein

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
)

// Protocol is the ingest.Factory: a listener on a free loopback port.
func Protocol(env ingest.Env) (ingest.Protocol, error) {
	return &Server{admit: env.Admit, log: env.Log.With("component", "linein")}, nil
}

// Server accepts line-in connections.
type Server struct {
	admit *ingest.Admitter
	log   *slog.Logger
	mu    sync.Mutex
	ln    net.Listener
	wg    sync.WaitGroup
}

// Name implements ingest.Protocol.
func (s *Server) Name() string { return "linein" }

// Start implements ingest.Protocol.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.handle(c) }()
		}
	}()
	return nil
}

// Addr is where peers connect.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln.Addr().String()
}

// Stop implements ingest.Protocol.
func (s *Server) Stop() {
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
	}
	s.mu.Unlock()
}

// Close implements ingest.Protocol: waits for handshakes; legs belong to their calls.
func (s *Server) Close() error { s.Stop(); s.wg.Wait(); return nil }

func (s *Server) handle(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 || f[0] != "CALL" {
		fmt.Fprintln(c, "ERR want: CALL <id> <party>")
		c.Close()
		return
	}
	party, err := event.ParseParty(f[2])
	if err != nil {
		fmt.Fprintln(c, "ERR", err)
		c.Close()
		return
	}
	ap, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	leg, err := s.admit.Admit(ingest.Request{Protocol: "linein", Peer: ap.Addr(), CallID: f[1],
		Parties: []ingest.PartySpec{{Party: party, Codec: "L16"}}})
	if err != nil {
		fmt.Fprintln(c, "ERR", err)
		c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	fmt.Fprintln(c, "OK", leg.Call.ID())
	st := leg.Streams[0]
	leg.Run("linein-"+string(party), func() { c.Close() }, func(ctx context.Context) {
		buf := make([]byte, 320)
		pcm := make([]int16, 0, 160)
		for {
			if _, err := io.ReadFull(br, buf); err != nil {
				if !errors.Is(err, io.EOF) && ctx.Err() == nil {
					s.log.Debug("line-in ended", "err", err)
				}
				return // Run's Leave takes the party out
			}
			pcm = codec.DecodeL16LE(pcm[:0], buf)
			st.WritePCM(pcm, 8000)
		}
	})
}
