// Package config reads undertone's settings from, in rising precedence, built-in
// defaults, an optional YAML file (strict: unknown keys are errors), UNDERTONE_*
// environment variables and command-line flags, and validates them before anything starts.
// Only main uses it; components receive the parts they need.
package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole server configuration.
type Config struct {
	Addr      string `yaml:"addr"`       // HTTP listen address
	DataDir   string `yaml:"data_dir"`   // SQLite file and other state
	Store     string `yaml:"store"`      // store DSN: empty = SQLite in DataDir; postgres://… for Postgres
	LogLevel  string `yaml:"log_level"`  // debug, info, warn, error
	LogFormat string `yaml:"log_format"` // text or json
	Tokens    string `yaml:"tokens"`     // role:token[,role:token…]; prefer the environment
	PublicURL string `yaml:"public_url"` // base URL printed and used in links; default http://Addr
	Version   string `yaml:"-"`          // the binary's version (set by main, not configurable)

	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`

	AllowedOrigins []string `yaml:"allowed_origins"` // extra websocket/CORS origins

	MaxCalls     int           `yaml:"max_calls"`      // concurrent live calls on this node, 0 = unlimited
	MaxBodyBytes int64         `yaml:"max_body_bytes"` // request body limit
	IdleTimeout  time.Duration `yaml:"idle_timeout"`   // end a call with no audio for this long
	CueInterval  time.Duration `yaml:"cue_interval"`   // live cue period per party (≥ 100ms)
	DrainTimeout time.Duration `yaml:"drain_timeout"`  // on SIGTERM, how long to wait for calls to end
	CallWait     time.Duration `yaml:"call_wait"`      // a websocket may wait this long for a call to start

	RetentionDays int `yaml:"retention_days"` // delete stored calls older than this; 0 keeps them forever

	TokenRate    float64 `yaml:"token_rate"`    // sustained requests per second per token; 0 = unlimited
	TokenBurst   int     `yaml:"token_burst"`   // requests a token may make at once [4 × token_rate]
	TokenStreams int     `yaml:"token_streams"` // websockets one token may hold open; 0 = unlimited

	// Pprof mounts net/http/pprof under /debug/pprof/ for admin tokens only; off by default
	// (a CPU profile costs the node while it runs, and the goroutine dump shows internals).
	Pprof bool `yaml:"pprof"`

	Node string `yaml:"node"` // this node's name (store ownership of calls, bus origin); default the host name
	NATS string `yaml:"nats"` // nats://host:port: events travel between nodes over NATS; empty = in-process bus

	WebRTC WebRTC `yaml:"webrtc"`
	HTTP   HTTP   `yaml:"http"`

	// ASR is the speech recogniser: "pocketsphinx" (embedded, English only, when the binary
	// was built with it), "openai" (an external recogniser, see ASROpenAI), "none", or empty
	// for pocketsphinx when built in, else none.
	ASR string `yaml:"asr"`
	// ASROpenAI configures asr: openai.
	ASROpenAI ASROpenAI `yaml:"asr_openai"`
	// Language is the language of calls whose metadata does not say (meta "lang"): en, nl…
	// Calls in a language the recogniser lacks get no embedded transcript [en].
	Language string `yaml:"language"`
	// HintPlaybooks names the sector playbooks the hint engine uses, comma-separated
	// (banking, energy, insurance, public_services, telecom); empty: all. A call's meta
	// "playbook" narrows them further.
	HintPlaybooks string `yaml:"hint_playbooks"`
	Hints         Hints  `yaml:"hints"`

	SIPAddr         string    `yaml:"sip_addr"`         // SIP/SIPREC listen address, UDP and TCP; empty = off
	AudioSocketAddr string    `yaml:"audiosocket_addr"` // Asterisk AudioSocket TCP listen address; empty = off
	Telephony       Telephony `yaml:"telephony"`
}

// Telephony settings for the SIP/SIPREC, AudioSocket, Twilio and AudioHook ingests.
type Telephony struct {
	SIPAllowFrom       []string      `yaml:"sip_allow_from"`      // CIDRs or IPs allowed to send SIP; empty = any
	SIPRequireToken    bool          `yaml:"sip_require_token"`   // INVITEs must carry X-Undertone-Token (an integrator token)
	SIPCallerParty     string        `yaml:"sip_caller_party"`    // SIPREC: party of the caller (customer or agent) [customer]
	SIPDefaultParty    string        `yaml:"sip_default_party"`   // plain INVITE without X-Undertone-Party [customer]
	SIPMediaIP         string        `yaml:"sip_media_ip"`        // IP put in SDP answers; default the SIP listen IP
	SIPRTPPortMin      uint16        `yaml:"sip_rtp_port_min"`    // RTP port range; 0 = any
	SIPRTPPortMax      uint16        `yaml:"sip_rtp_port_max"`    //
	SIPMaxCalls        int           `yaml:"sip_max_calls"`       // concurrent SIP dialogs, 0 = unlimited
	SIPTLSAddr         string        `yaml:"sip_tls_addr"`        // SIP over TLS listen address (needs tls_cert); empty = off
	AudioSocketMapping string        `yaml:"audiosocket_mapping"` // suffix (default), uuid or strict
	AudioSocketAllow   []string      `yaml:"audiosocket_allow"`   // CIDRs or IPs allowed to connect; empty = any
	AudioSocketMax     int           `yaml:"audiosocket_max"`     // concurrent connections, 0 = unlimited
	MaxCallsPerToken   int           `yaml:"max_calls_per_token"` // calls per integrator token over WHIP, Twilio, AudioHook and tokened SIP together, 0 = unlimited
	AudioHookSecret    string        `yaml:"audiohook_secret"`    // base64 client secret: signatures required when set (prefer env)
	AudioHookMaxSkew   time.Duration `yaml:"audiohook_max_skew"`  // allowed clock skew of signature timestamps [30s]

	// AudioSocketDefaultParty is the party of an AudioSocket UUID no rule pairs with another
	// leg (a stock dialplan's ${UUID()}): customer or agent [customer].
	AudioSocketDefaultParty string `yaml:"audiosocket_default_party"`
}

// HTTP server limits. Websockets are exempt from the read and write timeouts once
// upgraded (they have their own pings and per-message deadlines).
type HTTP struct {
	ReadTimeout       time.Duration `yaml:"read_timeout"`         // whole request, body included [30s]
	WriteTimeout      time.Duration `yaml:"write_timeout"`        // from request to the end of the answer (exports) [2m]
	IdleTimeout       time.Duration `yaml:"idle_timeout"`         // keep-alive connections between requests [60s]
	MaxConns          int           `yaml:"max_conns"`            // open connections; 0 = half the file-descriptor limit
	MaxConnsPerSource int           `yaml:"max_conns_per_source"` // open connections from one address (NAT: many agents) [512]
}

// Hints settings for the hint engine beyond which playbooks are loaded.
type Hints struct {
	// Sectors maps a call's queue or team (meta "queue", "team"; case-insensitive) to the
	// sector playbooks it gets, comma-separated, on top of the general rules: e.g.
	// {mobiel: telecom, particulier: banking}. "*" is the sector of calls whose queue
	// and team are not listed. A call's own meta "playbook" wins; a call with no sector
	// gets the general rules only.
	Sectors map[string]string `yaml:"sectors"`
}

// WebRTC settings for the WHIP ingest.
type WebRTC struct {
	UDPPortMin uint16   `yaml:"udp_port_min"`
	UDPPortMax uint16   `yaml:"udp_port_max"`
	NAT1To1IPs []string `yaml:"nat_1to1_ips"` // public IPs to advertise behind NAT
	Loopback   bool     `yaml:"loopback"`     // offer loopback candidates (tests, single host)
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Addr: "127.0.0.1:8080", DataDir: "data", LogLevel: "info", LogFormat: "text",
		MaxBodyBytes: 1 << 20, IdleTimeout: 30 * time.Second, CueInterval: 100 * time.Millisecond,
		DrainTimeout: 20 * time.Second, CallWait: time.Minute, WebRTC: WebRTC{Loopback: true}, RetentionDays: 90,
		TokenRate: 100, TokenBurst: 400,
		HTTP: HTTP{ReadTimeout: 30 * time.Second, WriteTimeout: 2 * time.Minute, IdleTimeout: time.Minute,
			MaxConnsPerSource: 512},
	}
}

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("invalid configuration")

// Load builds the serve command's configuration, each source over the one before:
// the defaults; the YAML file at path (else UNDERTONE_CONFIG; unknown keys are errors);
// UNDERTONE_* environment variables (getenv is os.Getenv in main, a map in tests); the
// command line's values, which main's flags apply through set; then Validate.
func Load(path string, getenv func(string) string, set ...func(*Config)) (Config, error) {
	c := Default()
	if path == "" {
		path = getenv("UNDERTONE_CONFIG")
	}
	if path != "" {
		if err := c.loadFile(path); err != nil {
			return c, err
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	for _, f := range set {
		f(&c)
	}
	return c, errors.Join(c.Validate(), c.ASROpenAI.resolve(c.ASR == "openai", getenv))
}

func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: %s: %v: %w", path, err, ErrInvalid)
	}
	return nil
}

func (c *Config) applyEnv(getenv func(string) string) error {
	str := map[string]*string{
		"UNDERTONE_ADDR": &c.Addr, "UNDERTONE_DATA_DIR": &c.DataDir, "UNDERTONE_STORE": &c.Store,
		"UNDERTONE_LOG_LEVEL": &c.LogLevel, "UNDERTONE_LOG_FORMAT": &c.LogFormat,
		"UNDERTONE_TOKENS": &c.Tokens, "UNDERTONE_PUBLIC_URL": &c.PublicURL,
		"UNDERTONE_TLS_CERT": &c.TLSCert, "UNDERTONE_TLS_KEY": &c.TLSKey,
		"UNDERTONE_SIP_ADDR": &c.SIPAddr, "UNDERTONE_AUDIOSOCKET_ADDR": &c.AudioSocketAddr,
		"UNDERTONE_AUDIOHOOK_SECRET": &c.Telephony.AudioHookSecret,
		"UNDERTONE_NODE":             &c.Node, "UNDERTONE_NATS": &c.NATS,
		"UNDERTONE_ASR": &c.ASR, "UNDERTONE_LANGUAGE": &c.Language, "UNDERTONE_HINT_PLAYBOOKS": &c.HintPlaybooks,
		"UNDERTONE_ASR_URL": &c.ASROpenAI.URL, "UNDERTONE_ASR_MODEL": &c.ASROpenAI.Model,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	if v := getenv("UNDERTONE_MAX_CALLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("config: UNDERTONE_MAX_CALLS=%q: %w", v, ErrInvalid)
		}
		c.MaxCalls = n
	}
	if v := getenv("UNDERTONE_IDLE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("config: UNDERTONE_IDLE_TIMEOUT=%q: %w", v, ErrInvalid)
		}
		c.IdleTimeout = d
	}
	if v := getenv("UNDERTONE_PPROF"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("config: UNDERTONE_PPROF=%q: %w", v, ErrInvalid)
		}
		c.Pprof = b
	}
	if v := getenv("UNDERTONE_ALLOWED_ORIGINS"); v != "" {
		c.AllowedOrigins = strings.Split(v, ",")
	}
	// Port ranges a container publishes (docker run -p 40000-40099:40000-40099/udp) and
	// the address browsers reach it at.
	for k, pp := range map[string][2]*uint16{
		"UNDERTONE_WEBRTC_UDP_PORTS": {&c.WebRTC.UDPPortMin, &c.WebRTC.UDPPortMax},
		"UNDERTONE_SIP_RTP_PORTS":    {&c.Telephony.SIPRTPPortMin, &c.Telephony.SIPRTPPortMax},
	} {
		if v := getenv(k); v != "" {
			lo, hi, ok := strings.Cut(v, "-")
			a, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
			b, err2 := strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
			if !ok || err1 != nil || err2 != nil {
				return fmt.Errorf("config: %s=%q: want a port range such as 40000-40099: %w", k, v, ErrInvalid)
			}
			*pp[0], *pp[1] = uint16(a), uint16(b)
		}
	}
	if v := getenv("UNDERTONE_WEBRTC_NAT_IPS"); v != "" {
		c.WebRTC.NAT1To1IPs = strings.Split(v, ",")
	}
	if v := getenv("UNDERTONE_SIP_MEDIA_IP"); v != "" {
		c.Telephony.SIPMediaIP = v
	}
	if v := getenv("UNDERTONE_SIP_ALLOW_FROM"); v != "" {
		c.Telephony.SIPAllowFrom = strings.Split(v, ",")
	}
	if v := getenv("UNDERTONE_AUDIOSOCKET_ALLOW"); v != "" {
		c.Telephony.AudioSocketAllow = strings.Split(v, ",")
	}
	return nil
}

// Validate checks every field and says which one is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("config: "+f+": %w", append(a, ErrInvalid)...))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr %q: %v", c.Addr, err)
	}
	if c.DataDir == "" {
		bad("data_dir is empty")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log_format %q: want text or json", c.LogFormat)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls_cert and tls_key must be set together")
	}
	if c.MaxCalls < 0 {
		bad("max_calls %d < 0", c.MaxCalls)
	}
	// The engine name is checked against the compiled-in engines when serve opens it.
	if strings.Trim(c.ASR, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		bad("asr %q: want an engine name such as pocketsphinx or openai, or none", c.ASR)
	}
	if c.ASR == "openai" {
		errs = append(errs, c.ASROpenAI.validate()...)
	}
	if l := c.Language; l != "" && (len(l) > 12 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") != "") {
		bad("language %q: want a language tag such as en or nl", l)
	}
	if c.MaxBodyBytes < 1024 {
		bad("max_body_bytes %d < 1024", c.MaxBodyBytes)
	}
	if c.IdleTimeout < time.Second {
		bad("idle_timeout %s < 1s", c.IdleTimeout)
	}
	if c.CueInterval < 100*time.Millisecond {
		bad("cue_interval %s < 100ms (at most 10 updates per second)", c.CueInterval)
	}
	if c.RetentionDays < 0 {
		bad("retention_days %d < 0", c.RetentionDays)
	}
	if c.CallWait < time.Second || c.CallWait > time.Hour {
		bad("call_wait %s: want 1s … 1h", c.CallWait)
	}
	if c.DrainTimeout <= 0 {
		bad("drain_timeout %s <= 0", c.DrainTimeout)
	}
	if c.TokenRate < 0 || c.TokenBurst < 0 || c.TokenStreams < 0 {
		bad("token_rate, token_burst and token_streams must not be negative")
	}
	if c.NATS != "" {
		if u, err := url.Parse(c.NATS); err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
			bad("nats %q: want nats://host:port or tls://host:port", c.NATS)
		}
	}
	if c.HTTP.ReadTimeout < time.Second || c.HTTP.WriteTimeout < 10*time.Second || c.HTTP.IdleTimeout < time.Second {
		bad("http: read_timeout ≥ 1s, write_timeout ≥ 10s (WHIP answers wait for ICE) and idle_timeout ≥ 1s")
	}
	if c.HTTP.MaxConns < 0 || c.HTTP.MaxConnsPerSource < 0 {
		bad("http.max_conns and http.max_conns_per_source must not be negative")
	}
	for k, v := range c.Hints.Sectors {
		if strings.TrimSpace(k) == "" || strings.Trim(v, " ,") == "" {
			bad("hints.sectors: %q: %q: want a queue or team mapped to playbook names", k, v)
		}
	}
	if c.WebRTC.UDPPortMin > c.WebRTC.UDPPortMax {
		bad("webrtc.udp_port_min %d > udp_port_max %d", c.WebRTC.UDPPortMin, c.WebRTC.UDPPortMax)
	}
	for _, ip := range c.WebRTC.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			bad("webrtc.nat_1to1_ips: %q is not an IP", ip)
		}
	}
	errs = append(errs, c.Telephony.validate(c.SIPAddr, c.AudioSocketAddr)...)
	if c.Telephony.SIPTLSAddr != "" && c.TLSCert == "" {
		bad("telephony.sip_tls_addr needs tls_cert and tls_key")
	}
	return errors.Join(errs...)
}

func (t *Telephony) validate(sipAddr, asAddr string) []error {
	var errs []error
	bad := func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("config: "+f+": %w", append(a, ErrInvalid)...))
	}
	for name, a := range map[string]string{"sip_addr": sipAddr, "audiosocket_addr": asAddr} {
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			bad("%s %q: %v", name, a, err)
		}
	}
	for name, list := range map[string][]string{"telephony.sip_allow_from": t.SIPAllowFrom, "telephony.audiosocket_allow": t.AudioSocketAllow} {
		if _, err := ParsePrefixes(list); err != nil {
			bad("%s: %v", name, err)
		}
	}
	for name, p := range map[string]string{"telephony.sip_caller_party": t.SIPCallerParty, "telephony.sip_default_party": t.SIPDefaultParty,
		"telephony.audiosocket_default_party": t.AudioSocketDefaultParty} {
		if p != "" && p != "customer" && p != "agent" {
			bad("%s %q: want customer or agent", name, p)
		}
	}
	if t.SIPTLSAddr != "" {
		if _, _, err := net.SplitHostPort(t.SIPTLSAddr); err != nil {
			bad("telephony.sip_tls_addr %q: %v", t.SIPTLSAddr, err)
		}
		if sipAddr == "" {
			bad("telephony.sip_tls_addr needs sip_addr (SIP over UDP/TCP) as well")
		}
	}
	if t.SIPMediaIP != "" && net.ParseIP(t.SIPMediaIP) == nil {
		bad("telephony.sip_media_ip %q is not an IP", t.SIPMediaIP)
	}
	if t.SIPRTPPortMin > t.SIPRTPPortMax {
		bad("telephony.sip_rtp_port_min %d > sip_rtp_port_max %d", t.SIPRTPPortMin, t.SIPRTPPortMax)
	}
	switch t.AudioSocketMapping {
	case "", "suffix", "uuid", "strict":
	default:
		bad("telephony.audiosocket_mapping %q: want suffix, uuid or strict", t.AudioSocketMapping)
	}
	if t.SIPMaxCalls < 0 || t.AudioSocketMax < 0 || t.MaxCallsPerToken < 0 {
		bad("telephony limits must be ≥ 0")
	}
	if t.AudioHookSecret != "" {
		if _, err := base64.StdEncoding.DecodeString(t.AudioHookSecret); err != nil {
			bad("telephony.audiohook_secret is not base64: %v", err)
		}
	}
	if t.AudioHookMaxSkew < 0 {
		bad("telephony.audiohook_max_skew %s < 0", t.AudioHookMaxSkew)
	}
	return errs
}

// ParsePrefixes reads CIDRs ("10.0.0.0/8") or single IPs into prefixes.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range list {
		v = strings.TrimSpace(v)
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, err
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
