package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The recogniser and default language come from YAML, the environment or flags, in that
// precedence, and malformed values are refused before anything starts.
func TestASRAndLanguage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "u.yaml")
	if err := os.WriteFile(file, []byte("asr: none\nlanguage: nl\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load([]string{"--config", file}, env(nil), io.Discard)
	if err != nil || c.ASR != "none" || c.Language != "nl" {
		t.Fatalf("from YAML: %q %q %v", c.ASR, c.Language, err)
	}
	c, err = load([]string{"--config", file, "--asr", "pocketsphinx"}, env(map[string]string{"UNDERTONE_LANGUAGE": "en-GB"}), io.Discard)
	if err != nil || c.ASR != "pocketsphinx" || c.Language != "en-GB" {
		t.Fatalf("flag and env over YAML: %q %q %v", c.ASR, c.Language, err)
	}
	for _, args := range [][]string{{"--asr", "Pocket Sphinx"}, {"--language", "nl;drop"}, {"--language", "abcdefghijklmn"}} {
		if _, err := load(args, env(nil), io.Discard); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: err = %v, want ErrInvalid", args, err)
		}
	}
}

// asr: openai from YAML, env and flags: languages inherit the top level (the key only with
// the url), keys come from the environment only, and what cannot work is refused.
func TestASROpenAI(t *testing.T) {
	file := filepath.Join(t.TempDir(), "u.yaml")
	yaml := `asr: openai
asr_openai:
  url: http://gpu:8000/v1/audio/transcriptions
  model: large-v3
  key_env: GPU_KEY
  languages:
    nl: {model: nl-finetune}
    en: {url: "https://api.example/v1", key_env: API_KEY}
  concurrency: 16
  timeout: 4s
  retries: 0
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load([]string{"--config", file}, env(map[string]string{"GPU_KEY": "g", "API_KEY": "a"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := c.ASROpenAI
	nl, en := o.Languages["nl"], o.Languages["en"]
	if o.Key != "g" || nl.URL != o.URL || nl.Model != "nl-finetune" || nl.Key != "g" ||
		en.URL != "https://api.example/v1" || en.Model != "large-v3" || en.Key != "a" ||
		o.Concurrency != 16 || o.Timeout != 4*time.Second || o.Retries == nil || *o.Retries != 0 {
		t.Fatalf("resolved %+v", o)
	}

	// Flags and env, no file: one URL for every language, the key from UNDERTONE_ASR_KEY.
	c, err = load([]string{"--asr", "openai", "--asr-model", "m1"}, env(map[string]string{
		"UNDERTONE_ASR_URL": "http://127.0.0.1:9000", "UNDERTONE_ASR_KEY": "k"}), io.Discard)
	if err != nil || c.ASROpenAI.URL != "http://127.0.0.1:9000" || c.ASROpenAI.Model != "m1" || c.ASROpenAI.Key != "k" {
		t.Fatalf("flags/env: %+v %v", c.ASROpenAI, err)
	}

	for name, args := range map[string][]string{
		"no url":      {"--asr", "openai"},
		"bad url":     {"--asr", "openai", "--asr-url", "gpu:8000"},
		"unset key":   {"--config", file},
		"bad retries": {"--config", writeYAML(t, "asr: openai\nasr_openai: {url: 'http://x', retries: 99}\n")},
		"bad lang":    {"--config", writeYAML(t, "asr: openai\nasr_openai: {url: 'http://x', languages: {'n l': {}}}\n")},
		"lang no url": {"--config", writeYAML(t, "asr: openai\nasr_openai: {languages: {nl: {model: x}, en: {url: 'http://x'}}}\n")},
		"key in file": {"--config", writeYAML(t, "asr: openai\nasr_openai: {url: 'http://x', key: secret}\n")},
	} {
		if _, err := load(args, env(nil), io.Discard); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "asr_openai") && name != "key in file" {
			t.Errorf("%s: err = %v, want an invalid asr_openai", name, err)
		}
	}
	// Not in use: asr_openai is not checked.
	if _, err := load([]string{"--config", file, "--asr", "none"}, env(nil), io.Discard); err != nil {
		t.Errorf("asr none with an unset key_env: %v", err)
	}
}

func writeYAML(t *testing.T, s string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
