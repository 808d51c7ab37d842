//go:build !pocketsphinx || !cgo

package asr

import "fmt"

// PocketSphinxBuiltIn reports whether this binary was built with the pocketsphinx engine.
const PocketSphinxBuiltIn = false

func init() {
	Register(PocketSphinx, func(Config) (Recognizer, error) {
		return nil, fmt.Errorf("asr: %s: %w: install libpocketsphinx-dev libsphinxbase-dev "+
			"pocketsphinx-en-us and build with CGO_ENABLED=1 -tags pocketsphinx", PocketSphinx, ErrNotBuiltIn)
	})
}
