package server

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/undertone/undertone/internal/asr"
	"github.com/undertone/undertone/internal/bus"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/config"
)

// asrComponent is serve's embedded speech recogniser: the engine, the Transcriber that
// feeds it VAD utterances per party, and the tracker of each call's language (from
// call.started's meta "lang"). With no engine it still reports, per call, that there is
// no embedded transcript, so the pages can say so.
type asrComponent struct {
	log   *slog.Logger
	rec   asr.Recognizer // nil: none
	tr    *asr.Transcriber
	langs *asr.CallLangs
	lang  string // default call language
	unsub func()
}

// asrEngine resolves the configured engine name: empty means pocketsphinx when this
// binary was built with it (make build does when the C library is installed), else none.
func asrEngine(name string) string {
	if name == "" {
		if asr.PocketSphinxBuiltIn {
			return asr.PocketSphinx
		}
		return "none"
	}
	return name
}

// asrWorkers is how many utterances decode at once: a quarter of the cores (at least one,
// at most four) so decoding never starves the per-party hot paths. Each worker holds a
// loaded decoder.
func asrWorkers() int { return min(4, max(1, runtime.NumCPU()/4)) }

// openASR opens the configured engine and subscribes the language tracker to own, the
// bus of this node's calls (it delivers call.started before any party joins). An engine
// named explicitly that cannot open is an error; the default quietly falls back to none.
func openASR(cfg config.Config, log *slog.Logger, own bus.Bus) (*asrComponent, error) {
	log = log.With("component", "asr")
	a := &asrComponent{log: log, langs: asr.NewCallLangs(), lang: asr.Lang(cfg.Language)}
	if a.lang == "" {
		a.lang = "en"
	}
	name := asrEngine(cfg.ASR)
	if name == "none" {
		log.Info("no embedded speech recogniser: transcripts only from integrators", "asr", cfg.ASR)
		return a, nil
	}
	start := time.Now()
	workers := asrWorkers()
	rec, err := asr.Open(name, asr.Config{Decoders: workers, Log: log})
	if err != nil {
		if cfg.ASR == "" && errors.Is(err, asr.ErrModel) {
			log.Warn("embedded speech recogniser not usable: transcripts only from integrators", "err", err)
			return a, nil
		}
		return nil, fmt.Errorf("asr %q: %w", name, err)
	}
	tr, err := asr.New(asr.Params{Recognizer: rec, Lang: a.langs.Lang, DefaultLang: a.lang, Workers: workers,
		Log: log})
	if err != nil {
		rec.Close()
		return nil, err
	}
	a.rec, a.tr = rec, tr
	if own != nil {
		a.unsub = own.Subscribe(a.langs.Observe)
	}
	log.Info("embedded speech recogniser ready", "engine", name, "default_lang", a.lang,
		"default_lang_supported", rec.Supports(a.lang), "workers", workers, "took", time.Since(start).Round(time.Millisecond))
	return a, nil
}

// analyzer is the per-party factory to add to the node's analyzers; nil without an engine.
func (a *asrComponent) analyzer() call.AnalyzerFactory {
	if a == nil || a.tr == nil {
		return nil
	}
	return a.tr.Analyzer
}

// status is the call analyzer that emits transcript.status once per call (never nil: a
// nil component reports no recogniser).
func (a *asrComponent) status() call.CallAnalyzerFactory {
	if a == nil {
		return asr.NewStatusFactory(nil, "en")
	}
	return asr.NewStatusFactory(a.rec, a.lang)
}

// close stops the Transcriber (after the node has drained its calls) and the engine.
func (a *asrComponent) close() error {
	if a == nil {
		return nil
	}
	if a.unsub != nil {
		a.unsub()
	}
	var errs []error
	if a.tr != nil {
		st := a.tr.Stats()
		a.log.Info("asr totals", "utterances", st.Queued, "emitted", st.Emitted, "dropped", st.Dropped,
			"errors", st.Errors, "audio_s", round1(st.AudioS), "rtf", round1(st.RTF*100)/100)
		errs = append(errs, a.tr.Close())
	}
	if a.rec != nil {
		errs = append(errs, a.rec.Close())
	}
	return errors.Join(errs...)
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
