package ingesttest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/config"
)

// The telephony settings are validated with errors that name the field.
func TestTelephonyConfigValidation(t *testing.T) {
	for _, c := range []struct {
		name string
		mut  func(*config.Config)
		want string // "" = valid
	}{
		{"all on", func(c *config.Config) {
			c.SIPAddr, c.AudioSocketAddr = "0.0.0.0:5060", "0.0.0.0:9092"
			c.Telephony.SIPAllowFrom = []string{"10.0.0.0/8", "192.0.2.7"}
			c.Telephony.SIPCallerParty, c.Telephony.AudioSocketMapping = "agent", "uuid"
			c.Telephony.AudioHookSecret = "c2VjcmV0"
		}, ""},
		{"bad sip addr", func(c *config.Config) { c.SIPAddr = "5060" }, "sip_addr"},
		{"bad allow-list", func(c *config.Config) { c.Telephony.SIPAllowFrom = []string{"10.0.0.0/33"} }, "sip_allow_from"},
		{"bad party", func(c *config.Config) { c.Telephony.SIPCallerParty = "boss" }, "sip_caller_party"},
		{"bad mapping", func(c *config.Config) { c.Telephony.AudioSocketMapping = "magic" }, "audiosocket_mapping"},
		{"secret not base64", func(c *config.Config) { c.Telephony.AudioHookSecret = "%%%" }, "audiohook_secret"},
		{"tls without cert", func(c *config.Config) { c.SIPAddr, c.Telephony.SIPTLSAddr = ":5060", ":5061" }, "tls_cert"},
		{"rtp range upside down", func(c *config.Config) { c.Telephony.SIPRTPPortMin, c.Telephony.SIPRTPPortMax = 20000, 10000 }, "sip_rtp_port_min"},
		{"media ip", func(c *config.Config) { c.Telephony.SIPMediaIP = "pbx.example" }, "sip_media_ip"},
	} {
		cfg := config.Default()
		c.mut(&cfg)
		err := cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.want)
		}
	}
	cfg, err := config.Load("", func(k string) string {
		return map[string]string{"UNDERTONE_AUDIOHOOK_SECRET": "c2VjcmV0"}[k]
	}, func(c *config.Config) { c.SIPAddr, c.AudioSocketAddr = "127.0.0.1:5070", "127.0.0.1:9093" })
	if err != nil || cfg.SIPAddr != "127.0.0.1:5070" || cfg.AudioSocketAddr != "127.0.0.1:9093" || cfg.Telephony.AudioHookSecret != "c2VjcmV0" {
		t.Errorf("flags/env: %+v %v", cfg, err)
	}
}
