package server

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest/audiohook"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/ingest/twilio"
)

// newTelephony builds the telephony ingests (SIP/SIPREC, AudioSocket, Twilio and AudioHook
// media websockets) and mounts their routes.
func (n *Node) newTelephony() error {
	cfg, log := n.cfg, n.log
	t := cfg.Telephony
	n.Twilio = twilio.New(twilio.Config{Log: log.With("component", "twilio"), Admit: n.admit, Auth: n.Auth})
	n.API.Handle("GET /v1/media/twilio", n.Twilio)
	var err error
	n.AudioHook, err = audiohook.New(audiohook.Config{Log: log.With("component", "audiohook"), Admit: n.admit,
		Auth: n.Auth, ClientSecret: t.AudioHookSecret, MaxSkew: t.AudioHookMaxSkew})
	if err != nil {
		return err
	}
	n.API.Handle("GET /v1/media/audiohook", n.AudioHook)
	if cfg.SIPAddr != "" {
		allow, err := config.ParsePrefixes(t.SIPAllowFrom)
		if err != nil {
			return fmt.Errorf("server: sip allow-list: %w", err)
		}
		var tlsConf *tls.Config
		if t.SIPTLSAddr != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
			if err != nil {
				return fmt.Errorf("server: sip tls: %w", err)
			}
			tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
		var mediaIP netip.Addr
		if t.SIPMediaIP != "" {
			mediaIP, _ = netip.ParseAddr(t.SIPMediaIP)
		}
		n.SIP, err = siprec.New(siprec.Config{Log: log.With("component", "sip"), Admit: n.admit,
			CallerParty: event.Party(t.SIPCallerParty), DefaultParty: event.Party(t.SIPDefaultParty),
			AllowFrom: allow, MediaIP: mediaIP, RTPPortMin: int(t.SIPRTPPortMin), RTPPortMax: int(t.SIPRTPPortMax),
			MaxCalls: t.SIPMaxCalls, TLS: tlsConf, Auth: n.Auth, RequireToken: t.SIPRequireToken})
		if err != nil {
			return err
		}
	}
	if cfg.AudioSocketAddr != "" {
		allow, err := config.ParsePrefixes(t.AudioSocketAllow)
		if err != nil {
			return fmt.Errorf("server: audiosocket allow-list: %w", err)
		}
		n.AudioSocket = audiosocket.New(audiosocket.Config{Log: log.With("component", "audiosocket"),
			Admit: n.admit, Mapping: t.AudioSocketMapping, AllowFrom: allow, MaxConns: t.AudioSocketMax})
		n.API.Handle("POST /v1/audiosocket/bindings", n.API.Authed(auth.Ingest,
			func(w http.ResponseWriter, r *http.Request, p auth.Principal) { n.AudioSocket.ServeBind(w, r, p) }))
	}
	return nil
}

// startTelephony opens the telephony listeners.
func (n *Node) startTelephony() error {
	if n.SIP != nil {
		if err := n.SIP.Listen(n.cfg.SIPAddr); err != nil {
			return err
		}
		if a := n.cfg.Telephony.SIPTLSAddr; a != "" {
			if err := n.SIP.ListenTLS(a); err != nil {
				return err
			}
		}
	}
	if n.AudioSocket != nil {
		if err := n.AudioSocket.Listen(n.cfg.AudioSocketAddr); err != nil {
			return err
		}
	}
	return nil
}

// stopTelephony stops accepting telephony connections; their calls are drained after.
func (n *Node) stopTelephony() {
	if n.Twilio != nil {
		n.Twilio.Close()
	}
	if n.AudioHook != nil {
		n.AudioHook.Close()
	}
	if n.AudioSocket != nil {
		_ = n.AudioSocket.Close()
	}
}

// closeSIP stops SIP after the calls are drained, so their BYEs still go out.
func (n *Node) closeSIP() {
	if n.SIP != nil {
		_ = n.SIP.Close()
	}
}
