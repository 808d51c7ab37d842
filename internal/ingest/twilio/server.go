package twilio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/httperr"
	"github.com/undertone/undertone/internal/ingest"
)

// Config of the Twilio media-stream endpoint.
type Config struct {
	Log       *slog.Logger
	Admit     *ingest.Admitter // streams become call legs here (limits, ownership, metadata)
	Auth      auth.Authenticator
	Handshake time.Duration // connected + start must arrive within this [5s]
}

// Server handles media-stream websockets.
type Server struct {
	cfg Config
	log *slog.Logger
	up  websocket.Upgrader

	mu      sync.Mutex
	pending map[*websocket.Conn]struct{}
	closed  bool
}

// New returns the handler.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Handshake <= 0 {
		cfg.Handshake = 5 * time.Second
	}
	return &Server{cfg: cfg, log: cfg.Log, pending: map[*websocket.Conn]struct{}{},
		// Media streams come from servers, not browsers: the token, not the origin, is checked.
		up: websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 1024, CheckOrigin: func(*http.Request) bool { return true }}}
}

// Close implements ingest.Protocol: streams already in calls belong to their calls (the
// registry drains them), so there is nothing left after the drain.
func (s *Server) Close() error { s.shut(); return nil }

// shut refuses new streams and aborts handshakes in progress.
func (s *Server) shut() {
	s.mu.Lock()
	s.closed = true
	for c := range s.pending {
		c.Close()
	}
	s.mu.Unlock()
}

func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		t, _ := strings.CutPrefix(h, "Bearer ")
		return strings.TrimSpace(t)
	}
	return r.URL.Query().Get("token")
}

// ServeHTTP upgrades GET /v1/media/twilio and runs the stream.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var pr *auth.Principal
	if tok := bearer(r); tok != "" {
		p, err := s.cfg.Auth.Authenticate(tok)
		if err != nil || !p.Can(auth.Ingest, "") {
			httperr.WriteMsg(w, http.StatusUnauthorized, "twilio: token is not an integrator token")
			return
		}
		pr = &p
	}
	conn, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	conn.SetReadLimit(MaxMessage)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		closeWith(conn, websocket.CloseGoingAway, "server shutting down")
		return
	}
	s.pending[conn] = struct{}{}
	s.mu.Unlock()
	handed := false
	defer func() {
		s.mu.Lock()
		delete(s.pending, conn)
		s.mu.Unlock()
		if !handed {
			conn.Close()
		}
	}()
	log := s.log.With("peer", r.RemoteAddr)
	start, err := s.handshake(conn)
	if err != nil {
		log.Warn("twilio stream refused", "err", err)
		closeWith(conn, websocket.ClosePolicyViolation, err.Error())
		return
	}
	if pr == nil {
		p, err := s.cfg.Auth.Authenticate(start.CustomParameters["token"])
		if err != nil || !p.Can(auth.Ingest, "") {
			log.Warn("twilio stream refused", "err", ErrAuth)
			closeWith(conn, websocket.ClosePolicyViolation, ErrAuth.Error())
			return
		}
		pr = &p
	}
	req := ingest.Request{Protocol: "twilio", Principal: pr, CallID: callID(start), Meta: meta(start)}
	for _, tr := range start.Tracks {
		party, _ := TrackParty(tr) // checked by Parse
		req.Parties = append(req.Parties, ingest.PartySpec{Party: party, Codec: "PCMU"})
	}
	leg, err := s.cfg.Admit.Admit(req)
	if err != nil {
		log.Warn("twilio stream refused", "err", err, "principal", pr.Name)
		code := websocket.ClosePolicyViolation
		if errors.Is(err, auth.ErrTooManyCalls) || errors.Is(err, call.ErrTooManyCalls) {
			code = websocket.CloseTryAgainLater
		}
		closeWith(conn, code, err.Error())
		return
	}
	streams := map[event.Party]*call.Stream{}
	for _, st := range leg.Streams {
		st.SetDecoder(codec.NewPCMU())
		streams[st.Party()] = st
	}
	handed = true
	_ = conn.SetReadDeadline(time.Time{})
	c := leg.Call
	leg.Run("twilio", func() { closeWith(conn, websocket.CloseNormalClosure, "call ended"); conn.Close() },
		func(ctx context.Context) {
			defer conn.Close()
			s.read(ctx, c, conn, streams)
		})
}

// handshake reads until start (connected may come first).
func (s *Server) handshake(conn *websocket.Conn) (*Start, error) {
	_ = conn.SetReadDeadline(time.Now().Add(s.cfg.Handshake))
	for i := 0; i < 4; i++ {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return nil, fmt.Errorf("twilio: waiting for start: %w", err)
		}
		m, err := Parse(b)
		if err != nil {
			return nil, err
		}
		switch m.Event {
		case EventConnected:
			continue
		case EventStart:
			return m.Start, nil
		default:
			return nil, fmt.Errorf("twilio: %s before start: %w", m.Event, ErrMessage)
		}
	}
	return nil, fmt.Errorf("twilio: no start message: %w", ErrMessage)
}

// callID is the call a stream belongs to: customParameters.call, else the CallSid.
func callID(st *Start) string {
	if id := st.CustomParameters["call"]; id != "" {
		return id
	}
	return st.CallSid
}

// meta is the call metadata a stream carries: customParameters agent, team, queue, lang
// (e.g. "nl-NL": picks the transcriber) and playbook, and Twilio's own ids.
func meta(st *Start) ingest.Meta {
	m := ingest.Meta{}
	for _, k := range ingest.MetaKeys {
		m.Set(k, st.CustomParameters[k])
	}
	m.Set("twilio_call_sid", st.CallSid)
	m.Set("twilio_stream_sid", st.StreamSid)
	return m
}

// read is the stream's loop on a goroutine owned by the call.
func (s *Server) read(ctx context.Context, c *call.Call, conn *websocket.Conn, streams map[event.Party]*call.Stream) {
	leaveAll := func(lost bool) {
		for p := range streams {
			if lost {
				c.Lost(p)
			} else {
				c.Leave(p)
			}
		}
	}
	var ulaw []byte
	bad := 0
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			normal := websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway)
			if ctx.Err() == nil {
				if normal {
					c.Log().Info("twilio stream closed without stop")
				} else {
					c.Log().Warn("twilio stream broken", "err", err)
				}
			}
			leaveAll(!normal && ctx.Err() == nil)
			return
		}
		m, err := Parse(b)
		if err != nil {
			if bad++; bad == 1 || bad%100 == 0 {
				c.Log().Warn("twilio: ignoring message that is not the protocol", "count", bad, "err", err)
			}
			continue
		}
		switch m.Event {
		case EventMedia:
			party, _ := TrackParty(m.Media.Track)
			st := streams[party]
			if st == nil {
				if bad++; bad == 1 || bad%100 == 0 {
					c.Log().Warn("twilio: media for a track not announced in start", "track", m.Media.Track, "count", bad)
				}
				continue
			}
			ulaw, err = DecodePayload(ulaw[:0], m.Media.Payload)
			if err != nil {
				if bad++; bad == 1 || bad%100 == 0 {
					c.Log().Warn("twilio: bad media payload", "count", bad, "err", err)
				}
				continue
			}
			if n := Chunk(m.Media.Chunk); n > 0 {
				st.WriteRTP(uint16(n), ulaw)
			} else {
				st.WriteFrame(ulaw)
			}
		case EventStop:
			c.Log().Info("twilio stream stopped")
			leaveAll(false)
			closeWith(conn, websocket.CloseNormalClosure, "stopped")
			return
		case EventStart:
			c.Log().Warn("twilio: second start on one stream ignored")
		}
	}
}

func closeWith(conn *websocket.Conn, code int, reason string) {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
}

var _ http.Handler = (*Server)(nil)
