package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// telephony.audiosocket_default_party takes customer or agent and nothing else.
func TestAudioSocketDefaultParty(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		yaml string
		want string
		ok   bool
	}{
		{"", "", true},
		{"telephony:\n  audiosocket_default_party: agent\n", "agent", true},
		{"telephony:\n  audiosocket_default_party: boss\n", "", false},
	} {
		file := filepath.Join(dir, "u.yaml")
		if err := os.WriteFile(file, []byte(c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := load([]string{"--config", file}, env(nil), io.Discard)
		switch {
		case c.ok && err != nil:
			t.Errorf("%q: %v", c.yaml, err)
		case !c.ok && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "audiosocket_default_party")):
			t.Errorf("%q: err = %v, want one naming audiosocket_default_party", c.yaml, err)
		case c.ok && cfg.Telephony.AudioSocketDefaultParty != c.want:
			t.Errorf("%q: party %q, want %q", c.yaml, cfg.Telephony.AudioSocketDefaultParty, c.want)
		}
	}
}
