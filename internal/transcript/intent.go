package transcript

import (
	"strings"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// ClassifyFunc runs the intent model on one utterance; lang is "nl", "en" or "" (the
// model detects it). main adapts internal/intent's model to it.
type ClassifyFunc func(text, lang string) event.IntentData

// IntentConfig configures the transcript → intent stage.
type IntentConfig struct {
	Classify ClassifyFunc  // required
	Parties  []event.Party // whose final utterances are classified [customer]
	MinWords int           // shorter utterances ("ja", "oké") are skipped [2]
	// RecognizerMinNeed: on transcripts from an embedded recogniser (any source but the
	// integrator), needs below this confidence are dropped [0.8]. At its word error rate
	// (about 50 % on clear English, 75 % on the phone) the need heads fire on misheard
	// words — "it it really really big" gave security_worry 0.73 and a high-priority fraud
	// hint — and a wrong hint costs the agent more than a missed one.
	RecognizerMinNeed float64
	// Gates: an embedded recogniser's utterance below its engine's gate is not
	// classified at all, so neither its intent nor its needs can raise a hint
	// ("and i didn't buy it" at confidence 1e-6 was fraud_or_security 0.91) [DefaultGates].
	Gates Gates
}

// NewIntentFactory returns the call analyzer factory of the transcript → intent stage:
// each final transcript of the configured parties becomes an intent event for the hint
// engine. It returns nil when cfg.Classify is nil (no intent model loaded).
func NewIntentFactory(cfg IntentConfig) call.CallAnalyzerFactory {
	if cfg.Classify == nil {
		return func(string) call.CallAnalyzer { return nil }
	}
	if len(cfg.Parties) == 0 {
		cfg.Parties = []event.Party{event.Customer}
	}
	if cfg.MinWords <= 0 {
		cfg.MinWords = 2
	}
	if cfg.RecognizerMinNeed <= 0 {
		cfg.RecognizerMinNeed = 0.8
	}
	return func(string) call.CallAnalyzer { return &intentStage{cfg: cfg} }
}

type intentStage struct {
	cfg  IntentConfig
	lang string // last language a transcript named
}

// Event implements call.CallAnalyzer.
func (s *intentStage) Event(ev *event.Event, emit call.Emitter) {
	if ev.Type != event.Transcript {
		return
	}
	d, ok := ev.Data.(*event.TranscriptData)
	if !ok || !d.Final {
		return
	}
	if d.Lang != "" {
		s.lang = d.Lang
	}
	wanted := false
	for _, p := range s.cfg.Parties {
		wanted = wanted || p == ev.Party
	}
	if !wanted || len(strings.Fields(d.Text)) < s.cfg.MinWords || !s.cfg.Gates.Pass(d) {
		return
	}
	lang := d.Lang
	if lang == "" {
		lang = s.lang
	}
	res := s.cfg.Classify(d.Text, lang)
	if !FromIntegrator(d) {
		kept := res.Needs[:0:0]
		for _, n := range res.Needs {
			if n.Confidence >= s.cfg.RecognizerMinNeed {
				kept = append(kept, n)
			}
		}
		res.Needs = kept
	}
	res.Segment, res.Start, res.End = d.Segment, d.Start, d.End
	if res.Lang == "" {
		res.Lang = lang
	}
	emit.Emit(ev.Party, secondsDur(d.End), &res)
}

// Tick implements call.CallAnalyzer.
func (s *intentStage) Tick(time.Duration, call.Emitter) {}

// Close implements call.CallAnalyzer.
func (s *intentStage) Close(call.Emitter) {}
