package siprec

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
)

// Headers an integrator may add to the INVITE (plain SIP and SIPREC alike).
const (
	HeaderParty    = "X-Undertone-Party"
	HeaderCall     = "X-Undertone-Call"
	HeaderAgent    = "X-Undertone-Agent"
	HeaderTeam     = "X-Undertone-Team"
	HeaderQueue    = "X-Undertone-Queue"
	HeaderLang     = "X-Undertone-Lang"     // the call's language (en, nl-NL): picks the transcriber
	HeaderPlaybook = "X-Undertone-Playbook" // hint sectors, e.g. telecom
	// HeaderToken carries an integrator token: the call belongs to that integrator and
	// counts against its concurrent-call limit, shared with the other ingests.
	HeaderToken = "X-Undertone-Token"
)

// metaHeaders are the metadata headers, by metadata key.
var metaHeaders = map[string]string{ingest.MetaAgent: HeaderAgent, ingest.MetaTeam: HeaderTeam,
	ingest.MetaQueue: HeaderQueue, ingest.MetaLang: HeaderLang, ingest.MetaPlaybook: HeaderPlaybook}

// Config of the SIP listener.
type Config struct {
	Log          *slog.Logger
	Admit        *ingest.Admitter // INVITEs become call legs here (limits, ownership, metadata)
	CallerParty  event.Party      // SIPREC: party of the first participant [customer]
	DefaultParty event.Party      // plain INVITE without X-Undertone-Party [customer]
	// AllowFrom are SBCs/PBXs trusted by address: their INVITEs need no token. An INVITE
	// from anywhere else needs an X-Undertone-Token of an integrator; empty = tokens only.
	AllowFrom  []netip.Prefix
	MediaIP    netip.Addr // put in answers; default the listen IP (127.0.0.1 if unspecified)
	RTPPortMin int        // 0 = any port
	RTPPortMax int
	MaxCalls   int         // concurrent dialogs, 0 = unlimited
	TLS        *tls.Config // server certificate for ListenTLS (SIP over TLS)
	// Auth checks X-Undertone-Token; RequireToken refuses INVITEs without one even from
	// an allow-listed address.
	Auth         auth.Authenticator
	RequireToken bool
}

// Server is the SIP/SIPREC endpoint.
type Server struct {
	cfg Config
	log *slog.Logger
	ua  *sipgo.UserAgent
	srv *sipgo.Server
	dc  *sipgo.DialogServerCache

	udp  net.PacketConn
	tcp  net.Listener
	tls  net.Listener
	bind netip.Addr // RTP sockets bind here

	tlsContact *sip.ContactHeader // Contact for dialogs that came over TLS
	addr       string             // where Start listens (Protocol); Listen takes its own
	tlsAddr    string
	refused    ingest.Refusals

	mu       sync.Mutex
	sessions map[string]*session // by SIP Call-ID
	closed   bool
	nextPort int
	wg       sync.WaitGroup
	unknown  uint64
}

type session struct {
	callID  string // SIP Call-ID
	call    *call.Call
	dialog  *sipgo.DialogServerSession
	answer  []byte
	mu      sync.Mutex
	byeSeen bool
}

// New builds the SIP stack; Listen starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.CallerParty == "" {
		cfg.CallerParty = event.Customer
	}
	if cfg.DefaultParty == "" {
		cfg.DefaultParty = event.Customer
	}
	if !cfg.CallerParty.Valid() || !cfg.DefaultParty.Valid() {
		return nil, fmt.Errorf("siprec: caller/default party: %w", event.ErrParty)
	}
	cfg.Log = serverLogger(cfg.Log) // see logging.go
	sipLog := sipgoLogger(cfg.Log)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("undertone"),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sipLog)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipLog)))
	if err != nil {
		return nil, fmt.Errorf("siprec: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(sipLog))
	if err != nil {
		ua.Close()
		return nil, fmt.Errorf("siprec: server: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Log, ua: ua, srv: srv, sessions: map[string]*session{},
		refused: ingest.Refusals{Log: cfg.Log}}
	srv.OnInvite(s.onInvite)
	srv.OnAck(s.onAck)
	srv.OnBye(s.onBye)
	srv.OnCancel(func(req *sip.Request, tx sip.ServerTransaction) { s.respond(req, tx, 200, "OK") })
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		if _, _, err := s.attribute(req); err != nil {
			s.refuse(req, tx, 403, "Forbidden", err)
			return
		}
		s.respond(req, tx, 200, "OK")
	})
	return s, nil
}

// Listen opens UDP and TCP on addr (the same port; ":0" picks one) and serves both.
func (s *Server) Listen(addr string) error {
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("siprec: listen tcp: %w", err)
	}
	udp, err := net.ListenPacket("udp", tcp.Addr().String())
	if err != nil {
		tcp.Close()
		return fmt.Errorf("siprec: listen udp: %w", err)
	}
	ap := netip.MustParseAddrPort(tcp.Addr().String())
	host := ap.Addr().Unmap()
	s.bind = host
	if !s.cfg.MediaIP.IsValid() {
		s.cfg.MediaIP = host
		if host.IsUnspecified() {
			s.cfg.MediaIP = netip.MustParseAddr("127.0.0.1")
			s.log.Warn("SIP listens on all interfaces and no media IP is set: answers offer 127.0.0.1 (set telephony.sip_media_ip)")
		}
	}
	cli, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(s.cfg.MediaIP.String()))
	if err != nil {
		tcp.Close()
		udp.Close()
		return fmt.Errorf("siprec: client: %w", err)
	}
	s.dc = sipgo.NewDialogServerCache(cli, sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "undertone", Host: s.cfg.MediaIP.String(), Port: int(ap.Port())}})
	s.mu.Lock()
	s.udp, s.tcp = udp, tcp
	s.mu.Unlock()
	s.wg.Add(2)
	go func() { defer s.wg.Done(); _ = s.srv.ServeUDP(udp) }()
	go func() { defer s.wg.Done(); _ = s.srv.ServeTCP(tcp) }()
	s.log.Info("SIP/SIPREC listening", "addr", tcp.Addr().String(), "transports", "udp,tcp", "media_ip", s.cfg.MediaIP)
	return nil
}

// ListenTLS serves SIP over TLS on addr with Config.TLS; call it after Listen.
func (s *Server) ListenTLS(addr string) error {
	if s.cfg.TLS == nil {
		return errors.New("siprec: SIP over TLS needs a certificate")
	}
	if s.dc == nil {
		return errors.New("siprec: ListenTLS before Listen")
	}
	ln, err := tls.Listen("tcp", addr, s.cfg.TLS)
	if err != nil {
		return fmt.Errorf("siprec: listen tls: %w", err)
	}
	port := int(netip.MustParseAddrPort(ln.Addr().String()).Port())
	s.mu.Lock()
	s.tls = ln
	s.tlsContact = &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "undertone", Host: s.cfg.MediaIP.String(),
		Port: port, UriParams: sip.NewParams()}}
	s.tlsContact.Address.UriParams.Add("transport", "tls")
	s.mu.Unlock()
	s.wg.Add(1)
	go func() { defer s.wg.Done(); _ = s.srv.ServeTLS(ln) }()
	s.log.Info("SIP over TLS listening", "addr", ln.Addr().String())
	return nil
}

// TLSAddr returns the SIP-over-TLS address, or "".
func (s *Server) TLSAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tls == nil {
		return ""
	}
	return s.tls.Addr().String()
}

// Addr returns the SIP address (UDP and TCP), or "" before Listen.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tcp == nil {
		return ""
	}
	return s.tcp.Addr().String()
}

// Close stops the SIP transport (new INVITEs are no longer read) and waits for its
// goroutines. Live calls belong to the registry, which drains them; their BYEs still go
// out while the user agent is open, so call Close after the drain when possible.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	udp, tcp, tl := s.udp, s.tcp, s.tls
	s.mu.Unlock()
	if udp != nil {
		udp.Close()
	}
	if tl != nil {
		tl.Close()
	}
	if tcp != nil {
		tcp.Close()
	}
	err := s.ua.Close()
	s.wg.Wait()
	return err
}

// Sessions returns the number of live dialogs.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

func (s *Server) respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Debug("SIP response not sent", "code", code, "err", err)
	}
}

// attribute decides whom an INVITE (or OPTIONS) belongs to: the integrator whose token
// it carries, else the allow-listed peer it comes from. A bad token is refused even from
// an allow-listed address; no token from elsewhere (or with RequireToken) is refused.
func (s *Server) attribute(req *sip.Request) (*auth.Principal, netip.Addr, error) {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("siprec: source %q: %w", req.Source(), ErrForbidden)
	}
	src := ap.Addr().Unmap()
	var tok string
	if h := req.GetHeader(HeaderToken); h != nil {
		tok = strings.TrimSpace(h.Value())
	}
	if tok != "" {
		if s.cfg.Auth == nil {
			return nil, src, fmt.Errorf("siprec: %s: tokens are not accepted here: %w", HeaderToken, ErrForbidden)
		}
		p, err := s.cfg.Auth.Authenticate(tok)
		if err != nil || !p.Can(auth.Ingest, "") {
			return nil, src, fmt.Errorf("siprec: %s is not an integrator token: %w", HeaderToken, ErrForbidden)
		}
		return &p, src, nil
	}
	if s.cfg.RequireToken {
		return nil, src, fmt.Errorf("siprec: %s required: %w", HeaderToken, ErrForbidden)
	}
	for _, p := range s.cfg.AllowFrom {
		if p.Contains(src) {
			return nil, src, nil
		}
	}
	return nil, src, fmt.Errorf("siprec: source not in telephony.sip_allow_from and no %s: %w", HeaderToken, ErrForbidden)
}

// refuse answers a request we do not take, logging at most once per source a minute.
func (s *Server) refuse(req *sip.Request, tx sip.ServerTransaction, code int, reason string, err error) {
	src, _ := netip.ParseAddrPort(req.Source())
	s.refused.Refused(src.Addr().Unmap(), "SIP request refused", err, "method", req.Method.String(), "code", code)
	s.respond(req, tx, code, reason, warning(err.Error()))
}

func warning(text string) sip.Header {
	text = strings.ReplaceAll(text, `"`, "'")
	if len(text) > 200 {
		text = text[:200]
	}
	return sip.NewHeader("Warning", `399 undertone "`+text+`"`)
}

// stream is one accepted m-line with its socket and party.
type stream struct {
	offer Offer
	party event.Party
	conn  *net.UDPConn
}

func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	log := s.log.With("sip_call_id", callIDOf(req), "source", req.Source(), "transport", req.Transport())
	pr, src, err := s.attribute(req)
	if err != nil {
		s.refuse(req, tx, 403, "Forbidden", err)
		return
	}
	ar := ingest.Request{Principal: pr, Peer: src}
	sid := callIDOf(req)
	s.mu.Lock()
	existing := s.sessions[sid]
	n := len(s.sessions)
	s.mu.Unlock()
	if existing != nil { // re-INVITE (metadata update, hold): keep the media as it is
		if existing.call.Owner() != ar.Owner() {
			s.refuse(req, tx, 403, "Forbidden", fmt.Errorf("siprec: re-INVITE: %w", call.ErrNotOwner))
			return
		}
		res := sip.NewSDPResponseFromRequest(req, existing.answer)
		if err := tx.Respond(res); err != nil {
			log.Debug("re-INVITE answer not sent", "err", err)
		}
		return
	}
	if s.cfg.MaxCalls > 0 && n >= s.cfg.MaxCalls {
		log.Warn("SIP INVITE refused", "err", call.ErrTooManyCalls)
		s.respond(req, tx, 503, "Service Unavailable", sip.NewHeader("Retry-After", "5"))
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	offers, parties, err := s.plan(req, ct)
	if err != nil {
		log.Warn("SIP INVITE refused", "err", err)
		s.respond(req, tx, 488, "Not Acceptable Here", warning(err.Error()))
		return
	}
	ar.Protocol = "siprec"
	if strings.HasPrefix(strings.ToLower(ct), TypeSDP) {
		ar.Protocol = "sip"
	}
	ar.CallID = SafeCallID(sid)
	if h := req.GetHeader(HeaderCall); h != nil {
		ar.CallID = strings.TrimSpace(h.Value())
	}
	ar.Meta = ingest.Meta{}
	for k, name := range metaHeaders {
		if h := req.GetHeader(name); h != nil {
			ar.Meta.Set(k, h.Value())
		}
	}
	ar.Meta.Set("sip_call_id", SafeCallID(sid))
	s.accept(req, tx, log, offers, parties, ar)
}

// status is the SIP answer to an admission error.
func status(err error) (int, string) {
	switch {
	case errors.Is(err, call.ErrTooManyCalls), errors.Is(err, auth.ErrTooManyCalls), errors.Is(err, call.ErrEnded):
		return 503, "Service Unavailable"
	case errors.Is(err, call.ErrBadID), errors.Is(err, ingest.ErrMeta), errors.Is(err, event.ErrParty):
		return 400, "Bad Request"
	case errors.Is(err, call.ErrNotOwner), errors.Is(err, call.ErrIDTaken), errors.Is(err, ingest.ErrUnattributed):
		return 403, "Forbidden"
	case errors.Is(err, call.ErrPartyTaken):
		return 488, "Not Acceptable Here"
	}
	return 500, "Server Internal Error"
}

// plan parses the body and decides which m-line is which party.
func (s *Server) plan(req *sip.Request, ct string) ([]Offer, []event.Party, error) {
	sdpBody, metaBody, err := SplitBody(ct, req.Body())
	if err != nil {
		return nil, nil, err
	}
	offers, err := ParseOffer(sdpBody)
	if err != nil {
		return nil, nil, err
	}
	parties := make([]event.Party, len(offers))
	other := event.Agent
	if s.cfg.CallerParty == event.Agent {
		other = event.Customer
	}
	if metaBody == nil { // plain SIP: the first audio stream only
		party := s.cfg.DefaultParty
		if h := req.GetHeader(HeaderParty); h != nil {
			if party, err = event.ParseParty(strings.TrimSpace(h.Value())); err != nil {
				return nil, nil, fmt.Errorf("siprec: %s: %w", HeaderParty, err)
			}
		}
		taken := false
		for i := range offers {
			if offers[i].Audio && !taken {
				parties[i], taken = party, true
			} else {
				offers[i].Audio = false
			}
		}
		return offers, parties, nil
	}
	md, err := ParseMetadata(metaBody)
	if err != nil {
		return nil, nil, err
	}
	// Label → participant → party; m-line order where the metadata does not say.
	used := map[event.Party]bool{}
	for i, o := range offers {
		if !o.Audio {
			continue
		}
		switch md.LabelParticipant(o.Label) {
		case -1:
		case 0:
			parties[i] = s.cfg.CallerParty
		default:
			parties[i] = other
		}
		if parties[i] != "" {
			if used[parties[i]] {
				parties[i] = "" // two streams of one participant: keep the first
				offers[i].Audio = false
				continue
			}
			used[parties[i]] = true
		}
	}
	for i, o := range offers {
		if !o.Audio || parties[i] != "" {
			continue
		}
		for _, p := range []event.Party{s.cfg.CallerParty, other} {
			if !used[p] {
				parties[i], used[p] = p, true
				break
			}
		}
		if parties[i] == "" {
			offers[i].Audio = false // a third stream: not ours
		}
	}
	return offers, parties, nil
}

func (s *Server) accept(req *sip.Request, tx sip.ServerTransaction, log *slog.Logger, offers []Offer, parties []event.Party, ar ingest.Request) {
	leg, err := s.cfg.Admit.Admit(ar)
	if err != nil {
		code, reason := status(err)
		hdrs := []sip.Header{warning(err.Error())}
		if code == 503 {
			hdrs = append(hdrs, sip.NewHeader("Retry-After", "5"))
		}
		log.Warn("SIP INVITE refused", "err", err, "by", ar.Attribute())
		s.respond(req, tx, code, reason, hdrs...)
		return
	}
	c, source, src := leg.Call, ar.Protocol, netip.AddrPortFrom(ar.Peer, 0)
	fail := func(code int, reason string, err error) {
		log.Warn("SIP INVITE refused", "err", err)
		s.respond(req, tx, code, reason, warning(err.Error()))
		leg.Abort()
	}
	var streams []*stream
	ports := make([]int, len(offers))
	closeAll := func() {
		for _, st := range streams {
			st.conn.Close()
		}
	}
	for i, o := range offers {
		if !o.Audio {
			continue
		}
		conn, err := s.listenRTP()
		if err != nil {
			closeAll()
			fail(500, "Server Internal Error", err)
			return
		}
		ports[i] = conn.LocalAddr().(*net.UDPAddr).Port
		streams = append(streams, &stream{offer: o, party: parties[i], conn: conn})
	}
	answer := Answer(offers, s.cfg.MediaIP, ports, rand.Uint64N(1<<62))
	dlg, err := s.dc.ReadInvite(req, tx)
	if err != nil {
		closeAll()
		fail(400, "Bad Request", fmt.Errorf("siprec: dialog: %w", err))
		return
	}
	ss := &session{callID: callIDOf(req), call: c, dialog: dlg, answer: answer}
	// Join every party before answering, so a refused join is a SIP error, not silence.
	joined := make([]*call.Stream, len(streams))
	for i, st := range streams {
		dec, err := codec.ForCodec(st.offer.Codec, st.offer.Rate)
		if err == nil {
			joined[i], err = leg.Join(st.party, dec.Name())
		}
		if err != nil {
			closeAll()
			dlg.Close()
			fail(488, "Not Acceptable Here", err)
			return
		}
		joined[i].SetDecoder(dec)
	}
	s.mu.Lock()
	s.sessions[ss.callID] = ss
	s.mu.Unlock()
	c.OnEnd(func() { closeAll(); s.ended(ss) })
	for i, st := range streams {
		js := joined[i]
		c.Go("rtp-"+string(st.party), func(ctx context.Context) { s.readRTP(ctx, c, js, st, src.Addr().Unmap()) })
	}
	var respErr error
	if strings.EqualFold(req.Transport(), "TLS") && s.tlsContact != nil {
		respErr = dlg.Respond(200, "OK", answer, sip.NewHeader("Content-Type", TypeSDP), s.tlsContact)
	} else {
		respErr = dlg.RespondSDP(answer)
	}
	if err := respErr; err != nil {
		log.Warn("SIP 200 OK not sent; ending the call", "err", err)
		c.Hangup("error")
		return
	}
	log.Info("SIP call answered", "call", c.ID(), "source_kind", source, "streams", len(streams))
}

// ended runs when the call ends: forget the dialog and, unless the peer hung up, send BYE.
func (s *Server) ended(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss.callID)
	closed := s.closed
	s.mu.Unlock()
	ss.mu.Lock()
	bye := !ss.byeSeen
	ss.mu.Unlock()
	if !bye || closed {
		ss.dialog.Close()
		return
	}
	s.wg.Add(1)
	go func() { // BYE may retransmit for seconds over UDP: not on the call's path
		defer s.wg.Done()
		defer ss.dialog.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ss.dialog.Bye(ctx); err != nil {
			s.log.Debug("BYE to the recording client failed", "sip_call_id", ss.callID, "err", err)
		}
	}()
}

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if s.dc != nil {
		_ = s.dc.ReadAck(req, tx)
	}
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	s.mu.Lock()
	ss := s.sessions[callIDOf(req)]
	s.mu.Unlock()
	if ss == nil {
		s.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	ss.mu.Lock()
	ss.byeSeen = true
	ss.mu.Unlock()
	if err := s.dc.ReadBye(req, tx); err != nil {
		s.respond(req, tx, 200, "OK") // the dialog is ours to end either way
	}
	ss.call.Log().Info("SIP BYE")
	ss.call.Hangup("hangup")
}

func (s *Server) listenRTP() (*net.UDPConn, error) {
	ip := s.bind
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	if s.cfg.RTPPortMin == 0 {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			return nil, fmt.Errorf("siprec: RTP socket: %w", err)
		}
		return c, nil
	}
	span := s.cfg.RTPPortMax - s.cfg.RTPPortMin + 1
	for i := 0; i < span; i++ {
		s.mu.Lock()
		p := s.cfg.RTPPortMin + (s.nextPort % span)
		s.nextPort++
		s.mu.Unlock()
		if c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(p)))); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("siprec: no free RTP port in %d-%d", s.cfg.RTPPortMin, s.cfg.RTPPortMax)
}

func callIDOf(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}

// SafeCallID turns a SIP Call-ID into a call id: characters outside [A-Za-z0-9-_.:] become
// '-', at most 128 characters.
func SafeCallID(s string) string {
	b := []byte(s)
	if len(b) > 128 {
		b = b[:128]
	}
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return call.NewID()
	}
	return string(b)
}
