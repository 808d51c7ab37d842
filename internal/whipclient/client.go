package whipclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
)

// Rate is the sample rate of the published audio (PCMU).
const Rate = 8000

// FrameSamples is one 20 ms packet at Rate.
const FrameSamples = Rate / 50

// Params say where and as what to publish.
type Params struct {
	Server  string            // base URL, e.g. http://127.0.0.1:8080
	Token   string            // bearer token with the integrator (or admin) role
	Call    string            // call id; empty = the server makes one
	Parties []event.Party     // one track per party, in order
	Agent   string            // optional agent id the call is assigned to
	Meta    map[string]string // optional call meta the server accepts: team, queue, lang, playbook
	HTTP    *http.Client      // optional
	// Codec of the tracks: "" or "PCMU" (WriteFrame encodes µ-law), or "opus" (the caller
	// sends encoded packets with WritePacket, e.g. made by loadgen.EncodeOpus).
	Codec string
}

// Publisher is a live WHIP session.
type Publisher struct {
	pc       *webrtc.PeerConnection
	tracks   []*webrtc.TrackLocalStaticSample
	location string
	call     string
	p        Params
	ulaw     []byte
}

// Dial negotiates a session and waits until the peer connection is up.
func Dial(ctx context.Context, p Params) (*Publisher, error) {
	if len(p.Parties) == 0 || len(p.Parties) > 2 {
		return nil, fmt.Errorf("whipclient: want 1 or 2 parties, got %d", len(p.Parties))
	}
	if p.HTTP == nil {
		p.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	capability := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: Rate}
	switch strings.ToLower(p.Codec) {
	case "", "pcmu":
	case "opus":
		capability = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}
	default:
		return nil, fmt.Errorf("whipclient: codec %q: want PCMU or opus", p.Codec)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("whipclient: peer connection: %w", err)
	}
	pub := &Publisher{pc: pc, p: p, ulaw: make([]byte, FrameSamples)}
	for _, party := range p.Parties {
		tr, err := webrtc.NewTrackLocalStaticSample(capability, "audio-"+string(party), string(party))
		if err != nil {
			pc.Close()
			return nil, fmt.Errorf("whipclient: track: %w", err)
		}
		if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			pc.Close()
			return nil, fmt.Errorf("whipclient: transceiver: %w", err)
		}
		pub.tracks = append(pub.tracks, tr)
	}
	connected := make(chan struct{})
	failed := make(chan struct{})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			close(connected)
		case webrtc.PeerConnectionStateFailed:
			close(failed)
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("whipclient: offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		pc.Close()
		return nil, fmt.Errorf("whipclient: set offer: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		pc.Close()
		return nil, ctx.Err()
	}
	if err := pub.post(ctx, pc.LocalDescription().SDP); err != nil {
		pc.Close()
		return nil, err
	}
	select {
	case <-connected:
		return pub, nil
	case <-failed:
		pub.Close(context.Background())
		return nil, errors.New("whipclient: ICE/DTLS failed")
	case <-ctx.Done():
		pub.Close(context.Background())
		return nil, ctx.Err()
	}
}

func (pub *Publisher) post(ctx context.Context, offer string) error {
	u, err := url.Parse(strings.TrimRight(pub.p.Server, "/") + "/v1/whip")
	if err != nil {
		return fmt.Errorf("whipclient: server URL: %w", err)
	}
	q := u.Query()
	if pub.p.Call != "" {
		q.Set("call", pub.p.Call)
	}
	if len(pub.p.Parties) == 1 {
		q.Set("party", string(pub.p.Parties[0]))
	}
	if pub.p.Agent != "" {
		q.Set("agent", pub.p.Agent)
	}
	for k, v := range pub.p.Meta {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewBufferString(offer))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+pub.p.Token)
	resp, err := pub.p.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("whipclient: POST offer: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("whipclient: POST offer: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	loc, err := u.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		return fmt.Errorf("whipclient: answer without a usable Location header")
	}
	pub.location = loc.String()
	pub.call = resp.Header.Get("X-Undertone-Call")
	return pub.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)})
}

// Location returns the session's URL (where DELETE hangs up), "" after Close.
func (pub *Publisher) Location() string { return pub.location }

// Call returns the call id the server assigned or confirmed.
func (pub *Publisher) Call() string { return pub.call }

// WriteFrame sends one 20 ms frame (FrameSamples samples at Rate) on track i.
func (pub *Publisher) WriteFrame(i int, pcm []int16) error {
	pub.ulaw = codec.EncodeULaw(pub.ulaw[:0], pcm)
	return pub.tracks[i].WriteSample(media.Sample{Data: pub.ulaw, Duration: 20 * time.Millisecond})
}

// WritePacket sends one encoded packet of dur on track i, as it is (an Opus packet for
// Codec "opus").
func (pub *Publisher) WritePacket(i int, payload []byte, dur time.Duration) error {
	return pub.tracks[i].WriteSample(media.Sample{Data: payload, Duration: dur})
}

// Close hangs up: DELETE on the session, then closes the peer connection.
func (pub *Publisher) Close(ctx context.Context) error {
	var derr error
	if pub.location != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, pub.location, nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+pub.p.Token)
			resp, err := pub.p.HTTP.Do(req)
			if err != nil {
				derr = fmt.Errorf("whipclient: DELETE: %w", err)
			} else {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
					derr = fmt.Errorf("whipclient: DELETE: %s", resp.Status)
				}
			}
		}
		pub.location = ""
	}
	return errors.Join(derr, pub.pc.Close())
}

// Play sends channels (one per party, at Rate, equal length) in real time, 20 ms per
// packet, until they end or ctx is cancelled. onFrame, if set, is called after each
// frame with its index (for latency probes).
func (pub *Publisher) Play(ctx context.Context, channels [][]int16, onFrame func(i int, sent time.Time)) error {
	if len(channels) != len(pub.tracks) {
		return fmt.Errorf("whipclient: %d channels for %d tracks", len(channels), len(pub.tracks))
	}
	n := len(channels[0]) / FrameSamples
	start := time.Now()
	for f := 0; f < n; f++ {
		for i, ch := range channels {
			if err := pub.WriteFrame(i, ch[f*FrameSamples:(f+1)*FrameSamples]); err != nil {
				return fmt.Errorf("whipclient: frame %d: %w", f, err)
			}
		}
		if onFrame != nil {
			onFrame(f, time.Now())
		}
		// Pace against the wall clock, not tick counts, so a late tick does not drift.
		if wait := time.Until(start.Add(time.Duration(f+1) * 20 * time.Millisecond)); wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	return nil
}
