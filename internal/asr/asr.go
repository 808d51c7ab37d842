package asr

import (
	"context"
	"errors"
	"strings"
	"time"
)

// SampleRate is the only input rate the recognizers take: 16 kHz mono, signed 16-bit.
const SampleRate = 16000

// Sentinel errors.
var (
	ErrNotBuiltIn    = errors.New("engine not built in")
	ErrUnknownEngine = errors.New("unknown engine")
	ErrLanguage      = errors.New("language not supported")
	ErrClosed        = errors.New("closed")
	ErrModel         = errors.New("model not usable")
)

// Recognizer is a speech recognition engine. It is safe for concurrent use; each Stream is
// used by one goroutine at a time.
type Recognizer interface {
	// Name is the engine's registry name (e.g. "pocketsphinx").
	Name() string
	// Supports reports whether the engine has a model for lang (a normalised code, see Lang).
	Supports(lang string) bool
	// NewStream starts one utterance in lang. It may wait for a free decoder until ctx ends.
	NewStream(ctx context.Context, lang string) (Stream, error)
	// Close releases the engine's models. Streams must be finished first.
	Close() error
}

// Stream decodes one utterance. Write may be called many times; Final ends the utterance
// and releases the stream, Close abandons it. Both are safe to call after the other.
type Stream interface {
	Write(pcm16k []int16) error
	Final() (Result, error)
	Close() error
}

// Result is what an engine recognised in one utterance. Times are relative to the first
// sample written to the stream.
type Result struct {
	Text       string  `json:"text"`
	Words      []Word  `json:"words,omitempty"`
	Confidence float64 `json:"confidence"` // 0..1; engines without a posterior report -1
}

// Word is one recognised word with its time span within the utterance.
type Word struct {
	Word       string        `json:"w"`
	Start      time.Duration `json:"-"`
	End        time.Duration `json:"-"`
	Confidence float64       `json:"conf"`
}

// Lang normalises a language tag to the lower-case primary subtag used by engines:
// "en-US", "EN_gb" → "en"; "nl-NL" → "nl"; "" stays "".
func Lang(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}
