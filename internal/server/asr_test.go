package server

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/undertone/undertone/internal/asr"
	"github.com/undertone/undertone/internal/bus"
	"github.com/undertone/undertone/internal/config"
)

// --asr: none gives no transcriber but still a status stage; an unknown engine, or
// pocketsphinx in a binary built without it, is a startup error naming the fix; the
// default follows what the binary was built with.
func TestOpenASR(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	cfg := config.Default()

	cfg.ASR = "none"
	a, err := openASR(cfg, log, bus.NewLocal())
	if err != nil || a.analyzer() != nil || a.status() == nil {
		t.Fatalf("none: %v analyzer=%v", err, a.analyzer() != nil)
	}
	if a.lang != "en" {
		t.Errorf("default language %q, want en", a.lang)
	}
	_ = a.close()

	var nilASR *asrComponent // components made without openASR still get a status stage
	if f := nilASR.status(); f == nil || f("c") == nil || nilASR.analyzer() != nil || nilASR.close() != nil {
		t.Error("nil component: want a status stage, no analyzer, a quiet close")
	}

	cfg.ASR = "klingon"
	if _, err := openASR(cfg, log, nil); !errors.Is(err, asr.ErrUnknownEngine) {
		t.Errorf("unknown engine: err = %v", err)
	}

	cfg.ASR, cfg.Language = "", "nl-NL"
	a, err = openASR(cfg, log, bus.NewLocal())
	if err != nil {
		t.Fatalf("default engine: %v", err)
	}
	defer a.close()
	if a.lang != "nl" {
		t.Errorf("language %q, want nl", a.lang)
	}
	if asr.PocketSphinxBuiltIn {
		if a.analyzer() == nil {
			t.Error("built with pocketsphinx but no transcriber by default")
		}
		// A Dutch call gets no party analyzer: the engine is English only.
		if an := a.analyzer()("c1", "customer"); an != nil {
			t.Error("a Dutch call got an English transcriber")
		}
		return
	}
	if a.analyzer() != nil {
		t.Error("no engine built in, yet a transcriber")
	}
	cfg.ASR = asr.PocketSphinx
	if _, err := openASR(cfg, log, nil); !errors.Is(err, asr.ErrNotBuiltIn) {
		t.Errorf("pocketsphinx not built in: err = %v, want ErrNotBuiltIn", err)
	}
}
