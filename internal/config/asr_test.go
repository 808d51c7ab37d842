package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The recogniser and default language come from YAML, the environment or flags, in that
// precedence, and malformed values are refused before anything starts.
func TestASRAndLanguage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "u.yaml")
	if err := os.WriteFile(file, []byte("asr: none\nlanguage: nl\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"--config", file}, env(nil), io.Discard)
	if err != nil || c.ASR != "none" || c.Language != "nl" {
		t.Fatalf("from YAML: %q %q %v", c.ASR, c.Language, err)
	}
	c, err = Load([]string{"--config", file, "--asr", "pocketsphinx"}, env(map[string]string{"UNDERTONE_LANGUAGE": "en-GB"}), io.Discard)
	if err != nil || c.ASR != "pocketsphinx" || c.Language != "en-GB" {
		t.Fatalf("flag and env over YAML: %q %q %v", c.ASR, c.Language, err)
	}
	for _, args := range [][]string{{"--asr", "Pocket Sphinx"}, {"--language", "nl;drop"}, {"--language", "abcdefghijklmn"}} {
		if _, err := Load(args, env(nil), io.Discard); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: err = %v, want ErrInvalid", args, err)
		}
	}
}
