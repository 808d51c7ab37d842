package loadgen

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/ingest/audiohook"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/ingest/twilio"
)

// Protocols the dialers speak: WHIP and the telephony ingests.
var Protocols = []string{"whip", "siprec", "audiosocket", "twilio", "audiohook"}

// TelephonyParams say where each protocol's listener is.
type TelephonyParams struct {
	HTTP         string // base URL of the server (websockets)
	Token        string // integrator (or admin) token / AudioHook API key
	SIPAddr      string // host:port of --sip-addr
	SIPTransport string // udp or tcp
	AudioSocket  string // host:port of --audiosocket-addr
	AudioHookKey string // base64 client secret, if the server requires signatures
	AudioHookOrg string
}

// NewDialer returns the Dialer of one protocol (see Protocols).
func NewDialer(proto string, tp TelephonyParams) (Dialer, error) {
	ws := "ws" + strings.TrimPrefix(strings.TrimRight(tp.HTTP, "/"), "http")
	switch proto {
	case "whip":
		return WHIPDialer(tp.HTTP, tp.Token, 2), nil
	case "siprec":
		if tp.SIPAddr == "" {
			return nil, errors.New("loadgen: siprec needs the SIP address")
		}
		return func(ctx context.Context, id string) (Peer, error) {
			c, err := siprec.Dial(ctx, siprec.ClientParams{Server: tp.SIPAddr, Transport: tp.SIPTransport, Streams: 2,
				Headers: map[string]string{siprec.HeaderCall: id}})
			if err != nil {
				return nil, err
			}
			return &sipPeer{id: id, c: c}, nil
		}, nil
	case "audiosocket":
		if tp.AudioSocket == "" {
			return nil, errors.New("loadgen: audiosocket needs the AudioSocket address")
		}
		return func(ctx context.Context, _ string) (Peer, error) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			prefix := audiosocket.FormatUUID(b[:])[:35]
			p := &asPeer{id: prefix}
			for _, u := range []string{prefix + "0", prefix + "1"} {
				c, err := audiosocket.Dial(tp.AudioSocket, u)
				if err != nil {
					for _, c := range p.conns {
						c.Close()
					}
					return nil, err
				}
				p.conns = append(p.conns, c)
			}
			return p, nil
		}, nil
	case "twilio":
		return func(ctx context.Context, id string) (Peer, error) {
			c, err := twilio.Dial(ctx, ws+"/v1/media/twilio", "")
			if err != nil {
				return nil, err
			}
			sid := strings.ReplaceAll(id, "-", "")
			if err := c.Start("CA"+sid, "MZ"+sid, []string{"inbound", "outbound"},
				map[string]string{"token": tp.Token, "call": id}); err != nil {
				c.Close()
				return nil, err
			}
			return &twPeer{id: id, c: c}, nil
		}, nil
	case "audiohook":
		return func(ctx context.Context, id string) (Peer, error) {
			c, err := audiohook.Dial(ctx, audiohook.ClientParams{URL: ws + "/v1/media/audiohook", APIKey: tp.Token,
				ClientSecret: tp.AudioHookKey, OrganizationID: tp.AudioHookOrg})
			if err != nil {
				return nil, err
			}
			if err := c.Open(ctx, id, nil); err != nil {
				c.Drop()
				return nil, err
			}
			return &ahPeer{id: id, c: c}, nil
		}, nil
	}
	return nil, fmt.Errorf("loadgen: protocol %q: want one of %v", proto, Protocols)
}

type sipPeer struct {
	id string
	c  *siprec.Client
}

func (p *sipPeer) CallID() string { return p.id }
func (p *sipPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	return playFrames(ctx, ch, on, p.c.SendFrame)
}
func (p *sipPeer) Hangup(ctx context.Context) error {
	err := p.c.Bye(ctx)
	p.c.Close()
	return err
}

type asPeer struct {
	id    string
	conns []*audiosocket.Client
}

func (p *asPeer) CallID() string { return p.id }
func (p *asPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	return playFrames(ctx, ch, on, func(i int, fr []int16) error { return p.conns[i].WriteAudio(fr) })
}
func (p *asPeer) Hangup(context.Context) error {
	var errs []error
	for _, c := range p.conns {
		errs = append(errs, c.Hangup())
	}
	return errors.Join(errs...)
}

type twPeer struct {
	id string
	c  *twilio.Client
}

func (p *twPeer) CallID() string { return p.id }
func (p *twPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	tracks := []string{"inbound", "outbound"}
	return playFrames(ctx, ch, on, func(i int, fr []int16) error { return p.c.Media(tracks[i], fr) })
}
func (p *twPeer) Hangup(context.Context) error { return p.c.Stop() }

type ahPeer struct {
	id    string
	c     *audiohook.Client
	frame [][]int16
}

func (p *ahPeer) CallID() string { return p.id }
func (p *ahPeer) Play(ctx context.Context, ch [][]int16, on func(int, time.Time)) error {
	p.frame = make([][]int16, len(ch))
	return playFrames(ctx, ch, on, func(i int, fr []int16) error {
		p.frame[i] = fr
		if i < len(ch)-1 {
			return nil
		}
		return p.c.Audio(p.frame...)
	})
}
func (p *ahPeer) Hangup(ctx context.Context) error { return p.c.Close(ctx) }
