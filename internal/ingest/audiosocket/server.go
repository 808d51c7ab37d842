package audiosocket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/clip"
	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/httperr"
	"github.com/undertone/undertone/internal/ingest"
)

// Config of the AudioSocket listener.
type Config struct {
	Log     *slog.Logger
	Admit   *ingest.Admitter // connections become call legs here (limits, ownership, metadata)
	Mapping string           // MapSuffix (default), MapUUID or MapStrict
	// AllowFrom are the peers allowed to connect (AudioSocket carries no credential, so
	// the address is what attributes a call); empty = loopback only.
	AllowFrom  []netip.Prefix
	MaxConns   int           // concurrent connections (parties), 0 = unlimited
	MaxPayload int           // frame payload limit [DefaultMaxPayload]
	Handshake  time.Duration // time allowed for the UUID frame [5s]
	BindingTTL time.Duration // how long a registered binding waits for its connection [60s]
	Now        func() time.Time
	// DefaultParty is the party of a UUID that no rule pairs with another leg (what a
	// stock dialplan's AudioSocket(${UUID()},…) sends): it becomes a one-party call of
	// its own [customer].
	DefaultParty event.Party
}

// Server accepts AudioSocket connections.
type Server struct {
	cfg  Config
	addr string // where Start listens (Protocol)
	log  *slog.Logger
	b    bindings

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{} // handshakes not yet owned by a call
	active  int                   // connections joined to calls
	closed  bool
	wg      sync.WaitGroup
	rejects uint64
}

// New returns a server; Serve starts it.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Mapping == "" {
		cfg.Mapping = MapSuffix
	}
	if cfg.DefaultParty == "" {
		cfg.DefaultParty = event.Customer
	}
	if cfg.Handshake <= 0 {
		cfg.Handshake = 5 * time.Second
	}
	if cfg.BindingTTL <= 0 {
		cfg.BindingTTL = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.AllowFrom) == 0 {
		cfg.AllowFrom = Loopback
	}
	return &Server{cfg: cfg, log: cfg.Log, conns: map[net.Conn]struct{}{},
		b: bindings{ttl: cfg.BindingTTL, now: cfg.Now, max: 10000, by: map[string]bindingEntry{}}}
}

// Loopback is the default allow-list: Asterisk on the same host.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// ValidMapping reports whether m is a mapping mode.
func ValidMapping(m string) bool { return m == "" || m == MapSuffix || m == MapUUID || m == MapStrict }

// Bind registers which call and party the connection with b.UUID feeds.
func (s *Server) Bind(b Binding) error { return s.b.add(b, nil, nil) }

// BindFor registers b for integrator p: the call takes a place under p's concurrent-call
// limit now (an error wrapping auth.ErrTooManyCalls when p has none left), held while the
// call lives, given back if the binding expires unused. The call is held from binding on,
// so binding its other party costs no second place.
func (s *Server) BindFor(b Binding, p auth.Principal) error {
	s.b.sweep() // expired bindings give their places back first
	slot, err := ingest.Reserve(s.cfg.Admit.Calls, p, b.Call)
	if err != nil {
		return err
	}
	slot.Hold(b.Call)
	if err := s.b.add(b, &p, slot); err != nil {
		slot.Release()
		return err
	}
	return nil
}

// Listen opens addr and serves on it in the background.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("audiosocket: listen: %w", err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln in the background until Close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return errors.New("audiosocket: server closed")
	}
	s.ln = ln
	s.wg.Add(1)
	s.mu.Unlock()
	go s.accept(ln)
	s.log.Info("audiosocket listening", "addr", ln.Addr().String(), "mapping", s.cfg.Mapping)
	return nil
}

// Addr returns the listening address, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops accepting, aborts handshakes in progress and waits for them. Connections
// already joined to calls belong to those calls (the registry drains them). Safe twice.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	if s.ln != nil {
		s.ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return // closed
		}
		delay = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.handshake(conn)
	}
}

// allowed returns the peer's address and whether the allow-list admits it.
func (s *Server) allowed(addr net.Addr) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return netip.Addr{}, false
	}
	ip := ap.Addr().Unmap()
	for _, p := range s.cfg.AllowFrom {
		if p.Contains(ip) {
			return ip, true
		}
	}
	return ip, false
}

// handshake reads the UUID frame, maps it and hands the connection to its call.
func (s *Server) handshake(conn net.Conn) {
	defer s.wg.Done()
	handed := false
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		if !handed {
			conn.Close()
		}
	}()
	log := s.log.With("peer", conn.RemoteAddr().String())
	peer, ok := s.allowed(conn.RemoteAddr())
	if !ok {
		s.reject(log, conn, ErrForbidden)
		return
	}
	_ = conn.SetReadDeadline(time.Now().Add(s.cfg.Handshake))
	rd := NewReader(conn, s.cfg.MaxPayload)
	f, err := rd.Next()
	if err != nil {
		s.reject(log, conn, fmt.Errorf("audiosocket: handshake: %w", err))
		return
	}
	if f.Kind != KindUUID {
		s.reject(log, conn, fmt.Errorf("audiosocket: first frame kind %#02x: %w", byte(f.Kind), ErrHandshake))
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	uuid := FormatUUID(f.Payload)
	e, bound := s.b.take(uuid)
	b := e.b
	lone := false
	if !bound {
		if b, lone, err = resolve(uuid, s.cfg.Mapping, s.cfg.DefaultParty); err != nil {
			s.reject(log, conn, err)
			return
		}
		b.UUID = uuid
	}
	s.mu.Lock()
	if s.cfg.MaxConns > 0 && s.active >= s.cfg.MaxConns {
		s.mu.Unlock()
		e.slot.Release()
		s.reject(log, conn, fmt.Errorf("audiosocket: %d connections: %w", s.cfg.MaxConns, call.ErrTooManyCalls))
		return
	}
	s.active++
	s.mu.Unlock()
	release := sync.OnceFunc(func() { s.mu.Lock(); s.active--; s.mu.Unlock() })

	// A bound connection belongs to the integrator that bound it; any other to the peer.
	leg, err := s.cfg.Admit.Admit(ingest.Request{Protocol: "audiosocket", Principal: e.owner, Peer: peer,
		CallID: b.Call, Meta: b.meta(), Parties: []ingest.PartySpec{{Party: b.Party, Codec: "slin"}}})
	if err != nil {
		release()
		e.slot.Release()
		s.reject(log, conn, err)
		return
	}
	c := leg.Call
	e.slot.Hold(c.ID())
	c.OnEnd(e.slot.Release)
	if lone && s.cfg.Mapping == MapSuffix {
		log.Info("audiosocket: UUID pairs with no other leg, so it is a one-party call; to see both legs as one call, "+
			"give them UUIDs that differ only in the last hex digit (0 customer, 1 agent) or POST /v1/audiosocket/bindings "+
			"before AudioSocket() runs (dialplan: internal/ingest/audiosocket/doc.go)", "call", c.ID(), "uuid", uuid, "party", b.Party)
	}
	st := leg.Streams[0]
	handed = true
	leg.Run("audiosocket-"+string(b.Party), func() { conn.Close() }, func(ctx context.Context) {
		defer release()
		defer conn.Close()
		s.read(ctx, c, st, rd, uuid)
	})
}

func (s *Server) reject(log *slog.Logger, conn net.Conn, err error) {
	s.mu.Lock()
	s.rejects++
	n := s.rejects
	s.mu.Unlock()
	if n <= 10 || n%1000 == 0 {
		log.Warn("audiosocket connection refused", "err", err, "refused_total", n)
	}
	// Tell Asterisk why, as an error frame (code 0x02: protocol error), then hang up.
	_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = conn.Write(AppendFrame(nil, KindError, []byte{0x02}))
}

// read is the party's loop, on a goroutine owned by the call.
func (s *Server) read(ctx context.Context, c *call.Call, st *call.Stream, rd *Reader, uuid string) {
	party := st.Party()
	log := c.Log().With("party", party, "uuid", uuid)
	pcm := make([]int16, 0, DefaultMaxPayload/2)
	for {
		f, err := rd.Next()
		if err != nil {
			switch {
			case ctx.Err() != nil: // the call ended and closed the socket
			case errors.Is(err, io.EOF): // Asterisk closes the socket when the channel hangs up
				log.Info("audiosocket peer closed without a hangup frame")
			default:
				log.Warn("audiosocket stream broken; party leaves", "err", err)
				c.Lost(party)
				return
			}
			c.Leave(party)
			return
		}
		switch f.Kind {
		case KindHangup:
			log.Info("audiosocket hangup")
			c.Leave(party)
			return
		case KindUUID, KindDTMF:
			// a repeated UUID or a DTMF digit: nothing to analyse
		case KindError:
			code := -1
			if len(f.Payload) > 0 {
				code = int(f.Payload[0])
			}
			log.Warn("audiosocket error frame from peer", "code", code)
			if code == 0x01 { // Asterisk: the channel hung up
				c.Leave(party)
				return
			}
		default:
			if r := SlinRate(f.Kind); r > 0 && len(f.Payload) > 0 {
				pcm = codec.DecodeL16LE(pcm[:0], f.Payload)
				st.WritePCM(pcm, r)
			}
		}
	}
}

// ServeBind is the HTTP handler for POST /v1/audiosocket/bindings (the caller has
// authenticated the integrator p): body {"uuid","call","party","agent"}. A bound call
// counts against p's concurrent-call limit: 429 when p has no place left.
func (s *Server) ServeBind(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var b Binding
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		httperr.WriteMsg(w, http.StatusBadRequest, "audiosocket: binding: "+clip.String(err.Error(), clip.Max)) // json: unknown field "…"
		return
	}
	if err := s.BindFor(b, p); err != nil {
		code := http.StatusBadRequest
		switch {
		case errors.Is(err, auth.ErrTooManyCalls):
			code = http.StatusTooManyRequests
		case errors.Is(err, call.ErrTooManyCalls):
			code = http.StatusServiceUnavailable
		}
		httperr.WriteMsg(w, code, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"uuid": b.UUID, "call": b.Call, "party": b.Party,
		"expires_in_s": s.cfg.BindingTTL.Seconds()})
}

// Active returns the number of connections joined to calls.
func (s *Server) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}
