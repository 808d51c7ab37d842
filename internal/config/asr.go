package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ASROpenAI configures the "openai" recogniser: an external server that speaks the
// OpenAI-compatible POST /v1/audio/transcriptions API (faster-whisper servers, whisper.cpp's
// server, vLLM, LocalAI). internal/asr/README.md shows set-ups.
//
//	asr: openai
//	asr_openai:
//	  url: http://gpu-host:8000/v1/audio/transcriptions   # every language…
//	  model: Systran/faster-whisper-large-v3
//	  key_env: WHISPER_API_KEY                           # the key is read from this variable
//	  languages:                                         # …unless a language has its own
//	    nl: {url: http://gpu-nl:8000, model: …}
//	  concurrency: 8
//
// With only languages (no url), calls in other languages get no transcript.
type ASROpenAI struct {
	ASREndpoint `yaml:",inline"`
	// Languages are per-language endpoints ("nl", "en"). Fields left empty are taken from
	// the top-level endpoint; the key only together with the url (the same server).
	Languages   map[string]ASREndpoint `yaml:"languages"`
	Concurrency int                    `yaml:"concurrency"` // requests in flight from this node [8]
	Queue       int                    `yaml:"queue"`       // utterances waiting; full: the oldest is dropped [2 × concurrency]
	Timeout     time.Duration          `yaml:"timeout"`     // per request [10s]
	Retries     *int                   `yaml:"retries"`     // on 429, 5xx, timeouts and refused connections only; 0 = none [2]
}

// ASREndpoint is one recogniser endpoint.
type ASREndpoint struct {
	URL    string `yaml:"url"`     // …/v1/audio/transcriptions, or a base URL it is appended to
	Model  string `yaml:"model"`   // the model field [whisper-1]
	KeyEnv string `yaml:"key_env"` // environment variable holding the API key [UNDERTONE_ASR_KEY at the top level]
	Prompt string `yaml:"prompt"`  // words the recogniser should expect (optional)
	Key    string `yaml:"-"`       // read from KeyEnv by Load, never from a file
}

func (a *ASROpenAI) validate() []error {
	var errs []error
	bad := func(f string, v ...any) {
		errs = append(errs, fmt.Errorf("config: asr_openai"+f+": %w", append(v, ErrInvalid)...))
	}
	if a.URL == "" && len(a.Languages) == 0 {
		bad(": asr openai needs a url (--asr-url, UNDERTONE_ASR_URL) or languages")
	}
	check := func(where, raw string) {
		if raw == "" {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s url %q: want http(s)://host[:port]/v1/audio/transcriptions", where, raw)
		}
	}
	check("", a.URL)
	for lang, e := range a.Languages {
		if lang == "" || len(lang) > 12 || strings.Trim(lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_") != "" {
			bad(".languages: %q is not a language tag such as nl or en", lang)
		}
		check(".languages."+lang, e.URL)
	}
	if a.Concurrency < 0 || a.Queue < 0 || a.Timeout < 0 {
		bad(": concurrency, queue and timeout must not be negative")
	}
	if a.Retries != nil && (*a.Retries < 0 || *a.Retries > 10) {
		bad(".retries %d: want 0..10", *a.Retries)
	}
	return errs
}

// resolve fills each language's empty fields from the top level and reads the keys from
// the environment. A key_env that names an unset variable is an error when the engine is
// in use (on): a recogniser answering 401 to every utterance is worse than not starting.
func (a *ASROpenAI) resolve(on bool, getenv func(string) string) error {
	var errs []error
	key := func(where string, e *ASREndpoint, def string) {
		name := e.KeyEnv
		if name == "" {
			name = def
		}
		if name == "" {
			return
		}
		e.Key = getenv(name)
		if e.Key == "" && e.KeyEnv != "" && on {
			errs = append(errs, fmt.Errorf("config: asr_openai%s.key_env: %s is not set: %w", where, name, ErrInvalid))
		}
	}
	key("", &a.ASREndpoint, "UNDERTONE_ASR_KEY")
	for lang, e := range a.Languages {
		sameServer := e.URL == ""
		if sameServer {
			e.URL = a.URL
		}
		if e.Model == "" {
			e.Model = a.Model
		}
		if e.Prompt == "" {
			e.Prompt = a.Prompt
		}
		if sameServer && e.KeyEnv == "" {
			e.Key = a.Key
		} else {
			key(".languages."+lang, &e, "")
		}
		a.Languages[lang] = e
	}
	if on {
		for lang, e := range a.Languages {
			if e.URL == "" {
				errs = append(errs, fmt.Errorf("config: asr_openai.languages.%s: no url, and none at the top level: %w", lang, ErrInvalid))
			}
		}
	}
	return errors.Join(errs...)
}
