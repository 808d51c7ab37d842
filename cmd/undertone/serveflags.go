package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/undertone/undertone/internal/cli"
	"github.com/undertone/undertone/internal/config"
)

const serveUsage = `usage: undertone [serve] [flags]

Runs the server. Settings come from built-in defaults, then the YAML file (--config or
UNDERTONE_CONFIG), then UNDERTONE_* environment variables, then these flags.`

// serveFlags parses serve's command line into the config file's path and the values the
// flags set, applied over the file and the environment by config.Load.
func serveFlags(args []string, w io.Writer) (path string, set []func(*config.Config), err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&path, "config", "", "YAML config file (env UNDERTONE_CONFIG)")
	str := func(name, usage string, field func(*config.Config) *string) {
		fs.Func(name, usage, func(v string) error {
			set = append(set, func(c *config.Config) { *field(c) = v })
			return nil
		})
	}
	integer := func(name, usage string, field func(*config.Config) *int) {
		fs.Func(name, usage, func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("want a whole number")
			}
			set = append(set, func(c *config.Config) { *field(c) = n })
			return nil
		})
	}
	duration := func(name, usage string, field func(*config.Config) *time.Duration) {
		fs.Func(name, usage, func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("want a duration such as 30s")
			}
			set = append(set, func(c *config.Config) { *field(c) = d })
			return nil
		})
	}
	str("addr", "HTTP listen address [127.0.0.1:8080] (env UNDERTONE_ADDR)", func(c *config.Config) *string { return &c.Addr })
	str("data-dir", "directory for the SQLite store [data] (env UNDERTONE_DATA_DIR)", func(c *config.Config) *string { return &c.DataDir })
	str("store", "store DSN: postgres://… (default SQLite in --data-dir) (env UNDERTONE_STORE)", func(c *config.Config) *string { return &c.Store })
	str("log-level", "debug, info, warn or error [info] (env UNDERTONE_LOG_LEVEL)", func(c *config.Config) *string { return &c.LogLevel })
	str("log-format", "text or json [text] (env UNDERTONE_LOG_FORMAT)", func(c *config.Config) *string { return &c.LogFormat })
	str("public-url", "base URL for printed links (env UNDERTONE_PUBLIC_URL)", func(c *config.Config) *string { return &c.PublicURL })
	str("tls-cert", "TLS certificate file (env UNDERTONE_TLS_CERT)", func(c *config.Config) *string { return &c.TLSCert })
	str("tls-key", "TLS key file (env UNDERTONE_TLS_KEY)", func(c *config.Config) *string { return &c.TLSKey })
	integer("max-calls", "concurrent calls on this node, 0 = unlimited (env UNDERTONE_MAX_CALLS)", func(c *config.Config) *int { return &c.MaxCalls })
	duration("idle-timeout", "end a call after this long without audio [30s] (env UNDERTONE_IDLE_TIMEOUT)", func(c *config.Config) *time.Duration { return &c.IdleTimeout })
	str("sip-addr", "SIP/SIPREC listen address, UDP+TCP, e.g. 0.0.0.0:5060 (env UNDERTONE_SIP_ADDR)", func(c *config.Config) *string { return &c.SIPAddr })
	str("audiosocket-addr", "Asterisk AudioSocket TCP listen address, e.g. 0.0.0.0:9092 (env UNDERTONE_AUDIOSOCKET_ADDR)", func(c *config.Config) *string { return &c.AudioSocketAddr })
	str("node", "this node's name, default the host name (env UNDERTONE_NODE)", func(c *config.Config) *string { return &c.Node })
	str("nats", "NATS URL for the multi-node event bus, e.g. nats://10.0.0.5:4222 (env UNDERTONE_NATS)", func(c *config.Config) *string { return &c.NATS })
	str("asr", "speech recogniser: pocketsphinx, openai (external, see --asr-url) or none (default pocketsphinx when built in) (env UNDERTONE_ASR)", func(c *config.Config) *string { return &c.ASR })
	str("asr-url", "asr openai: the recogniser's /v1/audio/transcriptions URL, for every language (env UNDERTONE_ASR_URL)", func(c *config.Config) *string { return &c.ASROpenAI.URL })
	str("asr-model", "asr openai: the model field [whisper-1] (env UNDERTONE_ASR_MODEL; key: env UNDERTONE_ASR_KEY)", func(c *config.Config) *string { return &c.ASROpenAI.Model })
	str("language", "language of calls whose metadata has no lang, e.g. en or nl [en] (env UNDERTONE_LANGUAGE)", func(c *config.Config) *string { return &c.Language })
	str("hint-playbooks", "hint playbooks to use, e.g. energy,telecom [all] (env UNDERTONE_HINT_PLAYBOOKS)", func(c *config.Config) *string { return &c.HintPlaybooks })
	fs.BoolFunc("pprof", "serve net/http/pprof at /debug/pprof/ to admin tokens (env UNDERTONE_PPROF=1)", func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		set = append(set, func(c *config.Config) { c.Pprof = b })
		return nil
	})
	pos, err := cli.Parse(fs, args, serveUsage, w)
	if err != nil {
		return "", nil, err
	}
	if len(pos) > 0 {
		return "", nil, cli.Usage("serve", "unexpected argument %q", pos[0])
	}
	return path, set, nil
}
