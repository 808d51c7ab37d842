package siprec

import (
	"crypto/tls"
	"fmt"
	"net/netip"

	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/ingest"
)

// Protocol builds a node's SIP/SIPREC endpoint when sip_addr is set (nil otherwise).
func Protocol(env ingest.Env) (ingest.Protocol, error) {
	cfg := env.Config
	t := cfg.Telephony
	if cfg.SIPAddr == "" {
		return nil, nil
	}
	allow, err := config.ParsePrefixes(t.SIPAllowFrom)
	if err != nil {
		return nil, fmt.Errorf("siprec: allow-list: %w", err)
	}
	var tlsConf *tls.Config
	if t.SIPTLSAddr != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("siprec: tls: %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var mediaIP netip.Addr
	if t.SIPMediaIP != "" {
		mediaIP, _ = netip.ParseAddr(t.SIPMediaIP)
	}
	s, err := New(Config{Log: env.Log.With("component", "sip"), Admit: env.Admit,
		CallerParty: event.Party(t.SIPCallerParty), DefaultParty: event.Party(t.SIPDefaultParty),
		AllowFrom: allow, MediaIP: mediaIP, RTPPortMin: int(t.SIPRTPPortMin), RTPPortMax: int(t.SIPRTPPortMax),
		MaxCalls: t.SIPMaxCalls, TLS: tlsConf, Auth: env.Auth, RequireToken: t.SIPRequireToken})
	if err != nil {
		return nil, err
	}
	s.addr, s.tlsAddr = cfg.SIPAddr, t.SIPTLSAddr
	return s, nil
}

// Name implements ingest.Protocol.
func (s *Server) Name() string { return "sip" }

// Start implements ingest.Protocol: SIP over UDP and TCP, and TLS when configured.
func (s *Server) Start() error {
	if err := s.Listen(s.addr); err != nil {
		return err
	}
	if s.tlsAddr != "" {
		return s.ListenTLS(s.tlsAddr)
	}
	return nil
}

// Stop implements ingest.Protocol. SIP keeps reading until Close, after the drain, so
// the drained calls' BYEs still go out; new INVITEs are refused by the draining registry.
func (s *Server) Stop() {}
