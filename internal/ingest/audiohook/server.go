package audiohook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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

// Config of the AudioHook endpoint.
type Config struct {
	Log          *slog.Logger
	Admit        *ingest.Admitter   // sessions become call legs here (limits, ownership, metadata)
	Auth         auth.Authenticator // X-API-KEY must be an integrator token
	ClientSecret string             // base64; when set every connection must be signed
	MaxSkew      time.Duration      // signature clock skew [30s]
	Handshake    time.Duration      // open must arrive within this [5s]
	Now          func() time.Time
}

// Server handles AudioHook websockets.
type Server struct {
	cfg Config
	log *slog.Logger
	up  websocket.Upgrader
	ver *Verifier

	mu      sync.Mutex
	pending map[*websocket.Conn]struct{}
	closed  bool
}

// New returns the handler; a ClientSecret that is not base64 is an error.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Handshake <= 0 {
		cfg.Handshake = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Log, pending: map[*websocket.Conn]struct{}{},
		up: websocket.Upgrader{ReadBufferSize: 8192, WriteBufferSize: 1024, CheckOrigin: func(*http.Request) bool { return true }}}
	if cfg.ClientSecret != "" {
		sec, err := base64.StdEncoding.DecodeString(cfg.ClientSecret)
		if err != nil || len(sec) == 0 {
			return nil, fmt.Errorf("audiohook: client secret is not base64: %v", err)
		}
		s.ver = &Verifier{Secret: sec, MaxSkew: cfg.MaxSkew}
	}
	return s, nil
}

// Close implements ingest.Protocol: sessions in calls belong to their calls (the registry
// drains them), so there is nothing left after the drain.
func (s *Server) Close() error { s.shut(); return nil }

// shut refuses new sessions and aborts open transactions in progress.
func (s *Server) shut() {
	s.mu.Lock()
	s.closed = true
	for c := range s.pending {
		c.Close()
	}
	s.mu.Unlock()
}

// session is one websocket after the open transaction.
type session struct {
	conn      *websocket.Conn
	id        string
	wmu       sync.Mutex // one writer at a time: the read loop and the call's closer
	seq       int64      // server messages sent
	clientSeq int64      // last client seq seen
	closed    bool       // closed was sent: no disconnect after it
}

func (ss *session) send(typ string, params any) error {
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	if ss.closed {
		return nil
	}
	ss.closed = typ == TypeClosed
	ss.seq++
	if params == nil {
		params = struct{}{}
	}
	b, err := json.Marshal(map[string]any{"version": Version, "type": typ, "seq": ss.seq,
		"clientseq": ss.clientSeq, "id": ss.id, "parameters": params})
	if err != nil {
		return err
	}
	_ = ss.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return ss.conn.WriteMessage(websocket.TextMessage, b)
}

func (ss *session) closeWith(code int, reason string) {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	ss.wmu.Lock()
	_ = ss.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	ss.wmu.Unlock()
}

// ServeHTTP authenticates, upgrades and runs the open transaction.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := s.log.With("peer", r.RemoteAddr, "session", r.Header.Get("Audiohook-Session-Id"))
	p, err := s.cfg.Auth.Authenticate(r.Header.Get("X-API-KEY"))
	if err != nil || !p.Can(auth.Ingest, "") {
		log.Warn("audiohook connection refused", "err", ErrAPIKey)
		httperr.WriteMsg(w, http.StatusUnauthorized, ErrAPIKey.Error())
		return
	}
	if s.ver != nil {
		if err := s.ver.Verify(r, s.cfg.Now()); err != nil {
			log.Warn("audiohook connection refused", "err", err)
			httperr.WriteMsg(w, http.StatusUnauthorized, err.Error())
			return
		}
	}
	// The conversation id comes with open, after the upgrade: reserve now, hold then.
	// The integrator's place is taken before the upgrade, so a token at its limit gets an
	// HTTP 429 the AudioHook client understands, not a closed socket.
	slot, err := s.cfg.Admit.Reserve(p)
	if err != nil {
		log.Warn("audiohook connection refused", "err", err)
		w.Header().Set("Retry-After", "5")
		httperr.WriteMsg(w, http.StatusTooManyRequests, err.Error())
		return
	}
	conn, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		slot.Release()
		return
	}
	conn.SetReadLimit(MaxMessage)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		slot.Release()
		conn.Close()
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
			slot.Release() // no-op once Admit took it over
			conn.Close()
		}
	}()
	ss := &session{conn: conn}
	open, media, err := s.open(ss)
	if err != nil {
		log.Warn("audiohook open failed", "err", err)
		if errors.Is(err, ErrMedia) {
			_ = ss.send(TypeDisconnect, map[string]string{"reason": "error", "info": err.Error()})
		}
		ss.closeWith(websocket.ClosePolicyViolation, err.Error())
		return
	}
	if open.ConversationID == ProbeConversation {
		// A connection probe: answer and wait for its close, no call.
		_ = ss.send(TypeOpened, map[string]any{"startPaused": false, "media": []Media{media}})
		s.probe(ss)
		return
	}
	req := ingest.Request{Protocol: "audiohook", Principal: &p, CallID: open.ConversationID, Meta: meta(ss.id, open), Slot: slot}
	for _, ch := range media.Channels {
		party, _ := ChannelParty(ch) // checked by ChooseMedia
		req.Parties = append(req.Parties, ingest.PartySpec{Party: party, Codec: "PCMU"})
	}
	leg, err := s.cfg.Admit.Admit(req)
	if err != nil {
		log.Warn("audiohook call refused", "err", err)
		_ = ss.send(TypeDisconnect, map[string]string{"reason": "error", "info": err.Error()})
		code := websocket.ClosePolicyViolation
		if errors.Is(err, auth.ErrTooManyCalls) || errors.Is(err, call.ErrTooManyCalls) {
			code = websocket.CloseTryAgainLater
		}
		ss.closeWith(code, err.Error())
		return
	}
	streams := leg.Streams
	for _, st := range streams {
		st.SetDecoder(codec.NewPCMU())
	}
	c := leg.Call
	if err := ss.send(TypeOpened, map[string]any{"startPaused": false, "media": []Media{media}}); err != nil {
		leg.Abort()
		return
	}
	handed = true
	_ = conn.SetReadDeadline(time.Time{})
	conn.SetReadLimit(MaxFrame + 1)
	leg.Run("audiohook", func() {
		// The server ends the session (timeout, shutdown): tell the client why, then go.
		_ = ss.send(TypeDisconnect, map[string]string{"reason": "completed"})
		ss.closeWith(websocket.CloseNormalClosure, "call ended")
		conn.Close()
	}, func(ctx context.Context) {
		defer conn.Close()
		s.read(ctx, c, ss, streams)
	})
}

// meta is the call metadata of a session: the conversation's language (it picks the
// transcriber), agent, team, queue and playbook from the flow's input variables or the
// integration's custom config, and Genesys' ids.
func meta(session string, open OpenParams) ingest.Meta {
	m := ingest.Meta{}
	m.Set(ingest.MetaLang, open.Language)
	for _, k := range ingest.MetaKeys {
		if v, ok := open.CustomConfig[k].(string); ok {
			m.Set(k, v)
		}
		m.Set(k, open.InputVariables[k])
	}
	m.Set("audiohook_session", session)
	m.Set("audiohook_org", open.OrganizationID)
	return m
}

// open reads the open message (the first message) and picks the media.
func (s *Server) open(ss *session) (OpenParams, Media, error) {
	_ = ss.conn.SetReadDeadline(time.Now().Add(s.cfg.Handshake))
	mt, b, err := ss.conn.ReadMessage()
	if err != nil {
		return OpenParams{}, Media{}, fmt.Errorf("audiohook: waiting for open: %w", err)
	}
	if mt != websocket.TextMessage {
		return OpenParams{}, Media{}, fmt.Errorf("audiohook: audio before open: %w", ErrMessage)
	}
	m, err := Parse(b)
	if err != nil {
		return OpenParams{}, Media{}, err
	}
	ss.id, ss.clientSeq = m.ID, m.Seq
	op, err := ParseOpen(m)
	if err != nil {
		return op, Media{}, err
	}
	media, err := ChooseMedia(op.Media)
	return op, media, err
}

// probe answers a connection probe's remaining messages until it closes.
func (s *Server) probe(ss *session) {
	_ = ss.conn.SetReadDeadline(time.Now().Add(s.cfg.Handshake))
	for {
		mt, b, err := ss.conn.ReadMessage()
		if err != nil {
			return
		}
		if mt != websocket.TextMessage {
			continue
		}
		m, err := Parse(b)
		if err != nil {
			return
		}
		ss.clientSeq = m.Seq
		if m.Type == TypeClose {
			_ = ss.send(TypeClosed, nil)
			return
		}
	}
}

// read is the session's loop on a goroutine owned by the call.
func (s *Server) read(ctx context.Context, c *call.Call, ss *session, streams []*call.Stream) {
	leaveAll := func(lost bool) {
		for _, st := range streams {
			if lost {
				c.Lost(st.Party())
			} else {
				c.Leave(st.Party())
			}
		}
	}
	bad := 0
	complain := func(msg string, args ...any) {
		if bad++; bad == 1 || bad%100 == 0 {
			c.Log().Warn(msg, append(args, "count", bad)...)
		}
	}
	var chans [][]byte
	paused := false
	for {
		mt, b, err := ss.conn.ReadMessage()
		if err != nil {
			if ctx.Err() == nil {
				c.Log().Warn("audiohook socket ended without close", "err", err)
			}
			leaveAll(ctx.Err() == nil)
			return
		}
		if mt == websocket.BinaryMessage {
			if paused {
				continue // audio sent while paused is not analysed
			}
			chans, err = Deinterleave(chans, b, len(streams))
			if err != nil {
				complain("audiohook: dropping audio frame", "err", err)
				continue
			}
			for i, st := range streams {
				st.WriteFrame(chans[i])
			}
			continue
		}
		m, err := Parse(b)
		if err != nil {
			complain("audiohook: ignoring message that is not the protocol", "err", err)
			continue
		}
		if m.Seq != ss.clientSeq+1 {
			complain("audiohook: client seq out of order", "seq", m.Seq, "after", ss.clientSeq)
		}
		ss.wmu.Lock()
		ss.clientSeq = max(ss.clientSeq, m.Seq)
		ss.wmu.Unlock()
		switch m.Type {
		case TypePing:
			_ = ss.send(TypePong, nil)
		case TypePaused:
			paused = true
			c.Log().Info("audiohook stream paused", "position", m.Position)
		case TypeResumed:
			paused = false
			c.Log().Info("audiohook stream resumed", "position", m.Position)
		case TypeClose:
			c.Log().Info("audiohook close", "position", m.Position)
			// closed first: leaving ends the call, whose closer would otherwise race it
			// with a disconnect and close the socket under it.
			_ = ss.send(TypeClosed, nil)
			leaveAll(false)
			return // the client closes the socket; OnEnd closes ours
		case TypeError:
			c.Log().Warn("audiohook client error", "parameters", string(m.Parameters))
		case TypeUpdate, TypeDiscarded, TypeDTMF:
		default:
			complain("audiohook: unexpected message type", "type", m.Type)
		}
	}
}

var _ http.Handler = (*Server)(nil)

// Parties returns the parties of a chosen media's channels, in order.
func Parties(m Media) []event.Party {
	out := make([]event.Party, 0, len(m.Channels))
	for _, ch := range m.Channels {
		if p, err := ChannelParty(ch); err == nil {
			out = append(out, p)
		}
	}
	return out
}
