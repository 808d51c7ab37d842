// Package config reads undertone's settings from, in rising precedence, built-in
// defaults, an optional YAML file (strict: unknown keys are errors), UNDERTONE_*
// environment variables and command-line flags, and validates them before anything starts.
// Only main uses it; components receive the parts they need.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
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

	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`

	AllowedOrigins []string `yaml:"allowed_origins"` // extra websocket/CORS origins

	MaxCalls     int           `yaml:"max_calls"`      // concurrent live calls on this node, 0 = unlimited
	MaxBodyBytes int64         `yaml:"max_body_bytes"` // request body limit
	IdleTimeout  time.Duration `yaml:"idle_timeout"`   // end a call with no audio for this long
	CueInterval  time.Duration `yaml:"cue_interval"`   // live cue period per party (≥ 100ms)
	DrainTimeout time.Duration `yaml:"drain_timeout"`  // on SIGTERM, how long to wait for calls to end

	WebRTC WebRTC `yaml:"webrtc"`
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
		DrainTimeout: 20 * time.Second, WebRTC: WebRTC{Loopback: true},
	}
}

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("invalid configuration")

// Load parses args (without the program and subcommand names) for the serve command.
// getenv is os.Getenv in main and a map in tests.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "YAML config file (env UNDERTONE_CONFIG)")
	var f Config
	fs.StringVar(&f.Addr, "addr", c.Addr, "HTTP listen address (env UNDERTONE_ADDR)")
	fs.StringVar(&f.DataDir, "data-dir", c.DataDir, "directory for the SQLite store (env UNDERTONE_DATA_DIR)")
	fs.StringVar(&f.Store, "store", "", "store DSN: postgres://… (default SQLite in --data-dir) (env UNDERTONE_STORE)")
	fs.StringVar(&f.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env UNDERTONE_LOG_LEVEL)")
	fs.StringVar(&f.LogFormat, "log-format", c.LogFormat, "text or json (env UNDERTONE_LOG_FORMAT)")
	fs.StringVar(&f.PublicURL, "public-url", "", "base URL for printed links (env UNDERTONE_PUBLIC_URL)")
	fs.StringVar(&f.TLSCert, "tls-cert", "", "TLS certificate file (env UNDERTONE_TLS_CERT)")
	fs.StringVar(&f.TLSKey, "tls-key", "", "TLS key file (env UNDERTONE_TLS_KEY)")
	fs.IntVar(&f.MaxCalls, "max-calls", c.MaxCalls, "concurrent calls on this node, 0 = unlimited (env UNDERTONE_MAX_CALLS)")
	fs.DurationVar(&f.IdleTimeout, "idle-timeout", c.IdleTimeout, "end a call after this long without audio (env UNDERTONE_IDLE_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("config: unexpected argument %q: %w", fs.Arg(0), ErrInvalid)
	}
	if *file == "" {
		*file = getenv("UNDERTONE_CONFIG")
	}
	if *file != "" {
		if err := c.loadFile(*file); err != nil {
			return c, err
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "addr":
			c.Addr = f.Addr
		case "data-dir":
			c.DataDir = f.DataDir
		case "store":
			c.Store = f.Store
		case "log-level":
			c.LogLevel = f.LogLevel
		case "log-format":
			c.LogFormat = f.LogFormat
		case "public-url":
			c.PublicURL = f.PublicURL
		case "tls-cert":
			c.TLSCert = f.TLSCert
		case "tls-key":
			c.TLSKey = f.TLSKey
		case "max-calls":
			c.MaxCalls = f.MaxCalls
		case "idle-timeout":
			c.IdleTimeout = f.IdleTimeout
		}
	})
	return c, c.Validate()
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
	if v := getenv("UNDERTONE_ALLOWED_ORIGINS"); v != "" {
		c.AllowedOrigins = strings.Split(v, ",")
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
	if c.MaxBodyBytes < 1024 {
		bad("max_body_bytes %d < 1024", c.MaxBodyBytes)
	}
	if c.IdleTimeout < time.Second {
		bad("idle_timeout %s < 1s", c.IdleTimeout)
	}
	if c.CueInterval < 100*time.Millisecond {
		bad("cue_interval %s < 100ms (at most 10 updates per second)", c.CueInterval)
	}
	if c.DrainTimeout <= 0 {
		bad("drain_timeout %s <= 0", c.DrainTimeout)
	}
	if c.WebRTC.UDPPortMin > c.WebRTC.UDPPortMax {
		bad("webrtc.udp_port_min %d > udp_port_max %d", c.WebRTC.UDPPortMin, c.WebRTC.UDPPortMax)
	}
	for _, ip := range c.WebRTC.NAT1To1IPs {
		if net.ParseIP(ip) == nil {
			bad("webrtc.nat_1to1_ips: %q is not an IP", ip)
		}
	}
	return errors.Join(errs...)
}
