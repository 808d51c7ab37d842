package whip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
)

// Config of the WHIP endpoint.
type Config struct {
	Log           *slog.Logger
	Admit         *ingest.Admitter // every session's leg is admitted here
	BasePath      string           // where sessions live: Location is BasePath + "/" + id [/v1/whip]
	MaxBody       int64            // SDP offer size limit [64 KiB]
	GatherTimeout time.Duration    // ICE gathering before answering [5s]
	UDPPortMin    uint16
	UDPPortMax    uint16
	NAT1To1IPs    []string
	Loopback      bool // offer loopback candidates (single host, tests)
}

// Server accepts WHIP sessions.
type Server struct {
	cfg Config
	api *webrtc.API
	log *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session
	perCall  map[string]int // live sessions per call id
}

type session struct {
	id     string
	leg    *ingest.Leg
	call   *call.Call
	pc     *webrtc.PeerConnection
	party  event.Party // from the query, or "" (stream ids decide)
	mu     sync.Mutex
	tracks int
	ended  bool
}

// New builds the WebRTC API (codecs, interceptors, ICE settings) once.
func New(cfg Config) (*Server, error) {
	if cfg.BasePath == "" {
		cfg.BasePath = "/v1/whip"
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 10
	}
	if cfg.GatherTimeout <= 0 {
		cfg.GatherTimeout = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	api, err := NewAPI(APIConfig{UDPPortMin: cfg.UDPPortMin, UDPPortMax: cfg.UDPPortMax, NAT1To1IPs: cfg.NAT1To1IPs,
		Loopback: cfg.Loopback})
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, api: api, log: cfg.Log, sessions: map[string]*session{}, perCall: map[string]int{}}, nil
}

// APIConfig holds the ICE settings of the WebRTC API (see Config).
type APIConfig struct {
	UDPPortMin, UDPPortMax uint16
	NAT1To1IPs             []string
	Loopback               bool
}

// NewAPI builds the WebRTC API every WHIP session is made with: the codecs (Opus, PCMU,
// PCMA), the interceptors and the ICE settings. The transport floor (cmd/undertone-floor)
// is built with it too, so a benchmark against the floor compares like with like.
//
// Interceptors: a WHIP session only receives audio, so of pion's defaults it keeps the
// receiver reports alone — RTCP RR every second, which senders use for loss-based
// bitrate and FEC adaptation (Opus) and as a sign of life. Left out, each costing work
// per packet or a timer per peer with nothing to do here: TWCC feedback (send-side
// bandwidth estimation, which an audio-only sender does not need; ~10 RTCP packets a
// second per peer and a header extension parsed on every packet), sender reports (no
// local tracks), the stats recorder (nothing calls GetStats), NACK (pion negotiates it
// for video only: a no-op layer on audio) and the simulcast header extensions (video).
func NewAPI(c APIConfig) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	for _, codec := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: 8000}, PayloadType: 8},
	} {
		if err := m.RegisterCodec(codec, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("whip: register %s: %w", codec.MimeType, err)
		}
	}
	ir := &interceptor.Registry{}
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, fmt.Errorf("whip: receiver reports: %w", err)
	}
	ir.Add(rr)
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(c.Loopback)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	if c.UDPPortMin != 0 || c.UDPPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(c.UDPPortMin, c.UDPPortMax); err != nil {
			return nil, fmt.Errorf("whip: udp port range: %w", err)
		}
	}
	if len(c.NAT1To1IPs) > 0 {
		se.SetNAT1To1IPs(c.NAT1To1IPs, webrtc.ICECandidateTypeHost)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// OfferParams come from the WHIP request's query and the authenticated principal.
type OfferParams struct {
	Principal auth.Principal // the integrator publishing: the call's owner
	Call      string         // join (a call this principal opened) or create this call; empty = new call
	Party     event.Party    // "" = from stream ids (customer/agent), else the first track is the customer
	Meta      ingest.Meta    // agent, team, queue, lang, playbook (see ingest.MetaKeys)
}

// Answer is the outcome of an accepted offer.
type Answer struct {
	SDP     string
	Session string
	Call    string
}

// Offer negotiates one session: it validates the offer, opens (or joins) the call,
// creates a peer connection, gathers ICE candidates and returns the answer.
func (s *Server) Offer(ctx context.Context, offer []byte, p OfferParams) (Answer, error) {
	in, err := checkOffer(offer, p.Party)
	if err != nil {
		return Answer{}, err
	}
	offer, rebundled := bundleSingle(offer, in)
	leg, err := s.cfg.Admit.Admit(ingest.Request{Protocol: "whip", Principal: &p.Principal, CallID: p.Call, Meta: p.Meta})
	if err != nil {
		return Answer{}, err
	}
	c := leg.Call
	fail := func(err error) (Answer, error) {
		leg.Abort()
		return Answer{}, err
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fail(fmt.Errorf("whip: new peer connection: %w", err))
	}
	ss := &session{id: newSessionID(), leg: leg, call: c, pc: pc, party: p.Party}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.onTrack(ss, tr) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		c.Log().Debug("whip peer connection state", "session", ss.id, "state", st.String())
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			go s.endSession(ss, "peer "+st.String())
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		_ = pc.Close()
		return fail(fmt.Errorf("whip: set offer: %v: %w", err, ErrOffer))
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		_ = pc.Close()
		return fail(fmt.Errorf("whip: create answer: %v: %w", err, ErrOffer))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		_ = pc.Close()
		return fail(fmt.Errorf("whip: set answer: %w", err))
	}
	select {
	case <-gathered:
	case <-time.After(s.cfg.GatherTimeout):
		c.Log().Warn("ICE gathering incomplete; answering with the candidates found so far")
	case <-ctx.Done():
		_ = pc.Close()
		return fail(ctx.Err())
	}
	sdpAnswer := pc.LocalDescription().SDP
	if rejected, audio := rejectedAudio(sdpAnswer); audio > 0 && rejected == audio {
		_ = pc.Close()
		why := "every audio section was rejected (no codec or transport in common)"
		switch {
		case !in.bundled && in.sections > 1:
			why = fmt.Sprintf("the offer's %d m-sections are not bundled: send a=group:BUNDLE (bundle-policy max-bundle) or one m-section only", in.sections)
		case !in.bundled:
			why = "the offer has no a=group:BUNDLE and its m-section no a=mid: add either"
		}
		return fail(fmt.Errorf("whip: %s: %w", why, ErrOffer))
	}
	if rebundled {
		sdpAnswer = unbundleAnswer(sdpAnswer)
	}
	s.mu.Lock()
	s.sessions[ss.id] = ss
	s.perCall[c.ID()]++
	s.mu.Unlock()
	c.OnEnd(func() { s.endSession(ss, "call ended") })
	c.Log().Info("whip session started", "session", ss.id, "party", p.Party, "unbundled_offer", rebundled)
	return Answer{SDP: sdpAnswer, Session: ss.id, Call: c.ID()}, nil
}

// onTrack runs the party's read loop on a goroutine owned by the call.
func (s *Server) onTrack(ss *session, tr *webrtc.TrackRemote) {
	if tr.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	ss.mu.Lock()
	n := ss.tracks
	ss.tracks++
	ss.mu.Unlock()
	party := ss.party // from the query: the offer has one audio track
	if party == "" {
		if pp, err := event.ParseParty(tr.StreamID()); err == nil {
			party = pp
		} else {
			party = []event.Party{event.Customer, event.Agent}[min(n, 1)]
		}
	}
	c := ss.call
	codecParams := tr.Codec()
	c.Go("whip-"+string(party), func(ctx context.Context) {
		dec, err := codec.ForCodec(codecParams.MimeType, int(codecParams.ClockRate))
		if err != nil {
			c.Log().Error("whip track with unsupported codec", "party", party, "codec", codecParams.MimeType, "err", err)
			return
		}
		st, err := ss.leg.Join(party, dec.Name())
		if err != nil {
			c.Log().Error("whip track cannot join the call", "party", party, "err", err)
			return
		}
		st.SetDecoder(dec)
		buf := make([]byte, 1500)
		var pkt rtp.Packet
		for {
			n, _, err := tr.Read(buf)
			if err != nil {
				if !errors.Is(err, io.EOF) && ctx.Err() == nil {
					c.Log().Debug("whip track read ended", "party", party, "err", err)
				}
				c.Leave(party)
				return
			}
			if err := pkt.Unmarshal(buf[:n]); err != nil {
				continue // pion already parsed it once; cannot happen in practice
			}
			st.WriteRTP(pkt.SequenceNumber, pkt.Payload)
		}
	})
}

// Delete ends one session (the WHIP DELETE) for p: only the integrator that published it
// (or an admin) may; to anyone else the session does not exist. The call ends when its
// last session is gone.
func (s *Server) Delete(id string, p auth.Principal) error {
	s.mu.Lock()
	ss := s.sessions[id]
	s.mu.Unlock()
	if ss == nil || (p.Role != auth.Admin && ss.call.Owner() != p.Key()) {
		return fmt.Errorf("whip: session: %w", ErrNoSession)
	}
	s.endSession(ss, "delete")
	return nil
}

func (s *Server) endSession(ss *session, why string) {
	ss.mu.Lock()
	if ss.ended {
		ss.mu.Unlock()
		return
	}
	ss.ended = true
	ss.mu.Unlock()
	_ = ss.pc.Close()
	s.mu.Lock()
	delete(s.sessions, ss.id)
	id := ss.call.ID()
	s.perCall[id]--
	last := s.perCall[id] <= 0
	if last {
		delete(s.perCall, id)
	}
	s.mu.Unlock()
	ss.call.Log().Info("whip session ended", "session", ss.id, "why", why)
	if last {
		reason := "hangup" // DELETE, or the call ended
		if strings.HasPrefix(why, "peer ") {
			reason = "connection_lost" // ICE failed or the browser went away without DELETE
		}
		ss.call.Hangup(reason)
	}
}

// Sessions returns the number of live sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

func newSessionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
