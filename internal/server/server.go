// Package server wires one undertone node from its parts — metrics, bus, hub, call
// registry, ingest endpoints, API — and runs it: main uses it, and so do the end-to-end
// tests, so they exercise exactly what ships. Opening a store, loading models and reading
// config stay in main; Server receives them.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/bus"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/ingest/audiohook"
	"github.com/undertone/undertone/internal/ingest/audiosocket"
	"github.com/undertone/undertone/internal/ingest/siprec"
	"github.com/undertone/undertone/internal/ingest/twilio"
	"github.com/undertone/undertone/internal/ingest/whip"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/wallboard"
)

// Options are the parts main (or a test) decided on.
type Options struct {
	Config    config.Config
	Log       *slog.Logger
	Auth      auth.Authenticator
	Bus       bus.Bus                    // nil: in-process
	Recorder  call.Recorder              // nil: nothing stored
	DB        api.History                // the store behind search, timelines, trends, exports; nil: none
	Tokens    api.TokenAdmin             // token administration over REST; nil: none
	Limiter   *auth.Limiter              // per-token request rate and open websockets; nil: unlimited
	Analyzers []call.AnalyzerFactory     // per party stream (emotion)
	Joiners   []call.CallAnalyzerFactory // across parties (dynamics, intents, hints)
	Web       fs.FS
}

// Server is one running node.
type Server struct {
	Metrics  *metrics.Metrics
	Bus      bus.Bus
	Hub      *hub.Hub
	Registry *call.Registry
	WHIP     *whip.Server
	API      *api.Server

	AudioSocket *audiosocket.Server // nil unless Config.AudioSocketAddr is set
	Twilio      *twilio.Server      // websocket media streams at /v1/media/twilio
	AudioHook   *audiohook.Server   // Genesys AudioHook at /v1/media/audiohook
	SIP         *siprec.Server      // nil unless Config.SIPAddr is set

	cfg   config.Config
	log   *slog.Logger
	http  *http.Server
	ln    net.Listener
	unsub func()
	done  chan error
}

// New builds the node; nothing listens until Start.
func New(o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Auth == nil {
		return nil, errors.New("server: no authenticator")
	}
	s := &Server{cfg: o.Config, log: o.Log, Metrics: metrics.New(), Bus: o.Bus}
	if s.Bus == nil {
		s.Bus = bus.NewLocal()
	}
	s.Hub = hub.New(hub.Config{AllowedOrigins: o.Config.AllowedOrigins}, o.Log.With("component", "hub"), s.Metrics)
	s.unsub = s.Bus.Subscribe(s.Hub.Publish)
	s.Registry = call.NewRegistry(call.Config{
		Log: o.Log, Metrics: s.Metrics, Publish: s.Bus.Publish, Recorder: o.Recorder,
		Analyzers: o.Analyzers, Joiners: append([]call.CallAnalyzerFactory{wallboard.NewFactory(wallboard.Config{})}, o.Joiners...), IdleTimeout: o.Config.IdleTimeout, CueInterval: o.Config.CueInterval,
		MaxCalls: o.Config.MaxCalls,
	})
	w := o.Config.WebRTC
	var err error
	s.WHIP, err = whip.New(whip.Config{Log: o.Log.With("component", "whip"), Registry: s.Registry,
		UDPPortMin: w.UDPPortMin, UDPPortMax: w.UDPPortMax, NAT1To1IPs: w.NAT1To1IPs, Loopback: w.Loopback})
	if err != nil {
		return nil, err
	}
	s.API = api.New(api.Params{Log: o.Log, Metrics: s.Metrics, Auth: o.Auth, Registry: s.Registry,
		Hub: s.Hub, WHIP: s.WHIP, DB: o.DB, Tokens: o.Tokens, Limiter: o.Limiter,
		Calls: auth.NewCallLimiter(o.Config.Telephony.MaxCallsPerToken), Web: o.Web, MaxBody: o.Config.MaxBodyBytes})
	if err := s.newTelephony(o); err != nil {
		return nil, err
	}
	return s, nil
}

// newTelephony builds the telephony ingests (SIP/SIPREC, AudioSocket, Twilio and AudioHook
// media websockets) and mounts their routes.
func (s *Server) newTelephony(o Options) error {
	t := o.Config.Telephony
	s.Twilio = twilio.New(twilio.Config{Log: o.Log.With("component", "twilio"), Registry: s.Registry,
		Auth: o.Auth, Calls: s.API.CallLimiter()})
	s.API.Handle("GET /v1/media/twilio", s.Twilio)
	var err error
	s.AudioHook, err = audiohook.New(audiohook.Config{Log: o.Log.With("component", "audiohook"), Registry: s.Registry,
		Auth: o.Auth, ClientSecret: t.AudioHookSecret, MaxSkew: t.AudioHookMaxSkew, Calls: s.API.CallLimiter()})
	if err != nil {
		return err
	}
	s.API.Handle("GET /v1/media/audiohook", s.AudioHook)
	if o.Config.SIPAddr != "" {
		allow, err := config.ParsePrefixes(t.SIPAllowFrom)
		if err != nil {
			return fmt.Errorf("server: sip allow-list: %w", err)
		}
		var tlsConf *tls.Config
		if t.SIPTLSAddr != "" {
			cert, err := tls.LoadX509KeyPair(o.Config.TLSCert, o.Config.TLSKey)
			if err != nil {
				return fmt.Errorf("server: sip tls: %w", err)
			}
			tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
		var mediaIP netip.Addr
		if t.SIPMediaIP != "" {
			mediaIP, _ = netip.ParseAddr(t.SIPMediaIP)
		}
		s.SIP, err = siprec.New(siprec.Config{Log: o.Log.With("component", "sip"), Registry: s.Registry,
			CallerParty: event.Party(t.SIPCallerParty), DefaultParty: event.Party(t.SIPDefaultParty),
			AllowFrom: allow, MediaIP: mediaIP, RTPPortMin: int(t.SIPRTPPortMin), RTPPortMax: int(t.SIPRTPPortMax),
			MaxCalls: t.SIPMaxCalls, TLS: tlsConf, Auth: o.Auth, RequireToken: t.SIPRequireToken, Calls: s.API.CallLimiter()})
		if err != nil {
			return err
		}
	}
	if o.Config.AudioSocketAddr != "" {
		allow, err := config.ParsePrefixes(t.AudioSocketAllow)
		if err != nil {
			return fmt.Errorf("server: audiosocket allow-list: %w", err)
		}
		s.AudioSocket = audiosocket.New(audiosocket.Config{Log: o.Log.With("component", "audiosocket"),
			Registry: s.Registry, Mapping: t.AudioSocketMapping, AllowFrom: allow, MaxConns: t.AudioSocketMax,
			Calls: s.API.CallLimiter()})
		s.API.Handle("POST /v1/audiosocket/bindings", s.API.Authed(auth.Ingest,
			func(w http.ResponseWriter, r *http.Request, p auth.Principal) { s.AudioSocket.ServeBind(w, r, p) }))
	}
	return nil
}

// startTelephony opens the telephony listeners.
func (s *Server) startTelephony() error {
	if s.SIP != nil {
		if err := s.SIP.Listen(s.cfg.SIPAddr); err != nil {
			return err
		}
		if a := s.cfg.Telephony.SIPTLSAddr; a != "" {
			if err := s.SIP.ListenTLS(a); err != nil {
				return err
			}
		}
	}
	if s.AudioSocket != nil {
		if err := s.AudioSocket.Listen(s.cfg.AudioSocketAddr); err != nil {
			return err
		}
	}
	return nil
}

// stopTelephony stops accepting telephony connections; their calls are drained after.
func (s *Server) stopTelephony() {
	s.Twilio.Close()
	s.AudioHook.Close()
	if s.AudioSocket != nil {
		_ = s.AudioSocket.Close()
	}
}

// closeSIP stops SIP after the calls are drained, so their BYEs still go out.
func (s *Server) closeSIP() {
	if s.SIP != nil {
		_ = s.SIP.Close()
	}
}

// Start listens on the configured address (or ln, if given) and serves in the background.
func (s *Server) Start(ln net.Listener) error {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.cfg.Addr); err != nil {
			return fmt.Errorf("server: listen: %w", err)
		}
	}
	if err := s.startTelephony(); err != nil {
		s.stopTelephony()
		s.closeSIP()
		return fmt.Errorf("server: %w", err)
	}
	s.ln = ln
	s.http = &http.Server{Handler: s.API, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.done = make(chan error, 1)
	go func() {
		var err error
		if s.cfg.TLSCert != "" {
			err = s.http.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = s.http.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return nil
}

// Done delivers the HTTP server's error if it stops by itself.
func (s *Server) Done() <-chan error { return s.done }

// URL is the base URL the server answers on.
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	host, port, _ := net.SplitHostPort(s.ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Shutdown drains: readiness fails, every live call ends with its summary written,
// websocket clients are closed, then the HTTP server stops. Safe to call once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.API.SetDraining()
	s.stopTelephony()
	var errs []error
	if err := s.Registry.Drain(ctx); err != nil {
		errs = append(errs, fmt.Errorf("server: drain calls: %w", err))
	}
	s.closeSIP()
	if err := s.Hub.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("server: close hub: %w", err))
	}
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: http: %w", err))
		}
	}
	s.unsub()
	return errors.Join(errs...)
}
