package asr

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/undertone/undertone/internal/metrics"
)

// Config configures an engine when it is opened by name. Fields an engine does not use
// are ignored.
type Config struct {
	// Model is the engine's model directory (pocketsphinx: the directory holding the
	// acoustic model folder, the language model and the dictionary)
	// [/usr/share/pocketsphinx/model/en-us].
	Model string
	// Options are engine-specific settings; pocketsphinx takes its own command-line
	// arguments here, e.g. {"-lm": "/path/domain.lm.bin", "-dict": "…", "-beam": "1e-60"}.
	Options map[string]string
	// Decoders bounds the decoders the engine keeps loaded (each holds the models in
	// memory); NewStream waits when all are busy [1].
	Decoders int
	Log      *slog.Logger
	// OpenAI configures the "openai" engine (an external recogniser).
	OpenAI OpenAIConfig
	// Metrics receive the engine's request counters [collectors registered nowhere]. Give
	// the Transcriber the same ones.
	Metrics *metrics.ASR
}

// Opener opens an engine.
type Opener func(cfg Config) (Recognizer, error)

var (
	enginesMu sync.RWMutex
	engines   = map[string]Opener{}
)

// Register makes an engine available by name. It panics on a duplicate name (a
// programming error, as in database/sql).
func Register(name string, open Opener) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if _, dup := engines[name]; dup {
		panic("asr: engine registered twice: " + name)
	}
	engines[name] = open
}

// Engines lists the registered engine names, sorted. Engines that were not compiled in are
// listed too; Open tells them apart.
func Engines() []string {
	enginesMu.RLock()
	defer enginesMu.RUnlock()
	names := make([]string, 0, len(engines))
	for n := range engines {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Open opens the engine registered as name.
func Open(name string, cfg Config) (Recognizer, error) {
	enginesMu.RLock()
	open := engines[name]
	enginesMu.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("asr: engine %q (have %v): %w", name, Engines(), ErrUnknownEngine)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Decoders <= 0 {
		cfg.Decoders = 1
	}
	return open(cfg)
}
