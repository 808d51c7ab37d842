package asr

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// PocketSphinx is the registry name of the CMU PocketSphinx engine.
const PocketSphinx = "pocketsphinx"

// DefaultPocketSphinxModel is where Debian's pocketsphinx-en-us package installs the US
// English model.
const DefaultPocketSphinxModel = "/usr/share/pocketsphinx/model/en-us"

// pocketSphinxArgs builds the decoder's command-line arguments from cfg: the model files
// of the Debian layout under cfg.Model, overridden or extended by cfg.Options. It checks
// that the model files exist so a missing package fails at Open with a clear error.
func pocketSphinxArgs(cfg Config) ([]string, error) {
	dir := cfg.Model
	if dir == "" {
		dir = DefaultPocketSphinxModel
	}
	opts := map[string]string{
		"-hmm":      filepath.Join(dir, "en-us"),
		"-lm":       filepath.Join(dir, "en-us.lm.bin"),
		"-dict":     filepath.Join(dir, "cmudict-en-us.dict"),
		"-samprate": "16000",
	}
	for k, v := range cfg.Options {
		opts[k] = v
	}
	for _, k := range []string{"-hmm", "-lm", "-dict"} {
		if opts[k] == "" {
			continue
		}
		if _, err := os.Stat(opts[k]); err != nil {
			return nil, fmt.Errorf("asr: %s %s %s (install pocketsphinx-en-us or set the model path): %w",
				PocketSphinx, k, opts[k], ErrModel)
		}
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	args := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k, opts[k])
	}
	return args, nil
}
