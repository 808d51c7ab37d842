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

// asr_openai maps onto the engine: the top level serves every language, languages their
// own; retries 0 in YAML means none; the Transcriber takes the engine's concurrency.
func TestOpenASRExternal(t *testing.T) {
	zero := 0
	c := config.ASROpenAI{ASREndpoint: config.ASREndpoint{URL: "http://gpu:8000", Model: "m", Key: "k"},
		Languages:   map[string]config.ASREndpoint{"nl": {URL: "http://nl:8000", Model: "m-nl"}},
		Concurrency: 12, Retries: &zero}
	oc := openAIConfig(c)
	if oc.Endpoints[asr.AnyLang] != (asr.Endpoint{URL: "http://gpu:8000", Model: "m", Key: "k"}) ||
		oc.Endpoints["nl"] != (asr.Endpoint{URL: "http://nl:8000", Model: "m-nl"}) || oc.Concurrency != 12 || oc.Retries != asr.NoRetries {
		t.Fatalf("mapped %+v", oc)
	}
	if oc := openAIConfig(config.ASROpenAI{}); len(oc.Endpoints) != 0 || oc.Retries != 0 {
		t.Errorf("empty section mapped to %+v", oc)
	}

	cfg := config.Default()
	cfg.ASR, cfg.ASROpenAI = asr.OpenAI, c
	a, err := openASR(cfg, slog.New(slog.DiscardHandler), bus.NewLocal())
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if a.analyzer() == nil || a.tr.Stats().DropPolicy != asr.DropPolicy {
		t.Fatal("no transcriber for asr openai")
	}
	if !a.tr.Supports("de") {
		t.Error("the top-level url serves every language")
	}
	cfg.ASROpenAI = config.ASROpenAI{}
	if _, err := openASR(cfg, slog.New(slog.DiscardHandler), nil); !errors.Is(err, asr.ErrModel) {
		t.Errorf("asr openai without endpoints: %v, want ErrModel", err)
	}
}
