package transcript

import "github.com/undertone/undertone/internal/event"

// Gates are the per-engine confidence gates on transcripts: an embedded recogniser's
// utterance whose confidence is below its engine's gate is too likely misheard for its
// words to steer the agent. Below the gate the intent stage classifies nothing and the
// hint engine matches none of its words; at or above it, the intent stage still drops
// needs below IntentConfig.RecognizerMinNeed. Transcripts pushed by an integrator
// (Source "integrator", or no source) are never gated here: their recogniser is the
// integrator's business, and its confidence is weighed by the hint engine's
// corroboration rule for high-priority hints instead.
//
// Keys are engine names (TranscriptData.Source); "*" is the gate of every engine not
// listed. Values are the minimum utterance confidence in 0..1.
type Gates map[string]float64

// DefaultGates is the gate of each engine that ships with undertone, and of any other.
//
// pocketsphinx reports the posterior probability of the whole hypothesis
// (ps_get_prob): its word error rate is 47–83 % (internal/asr/README.md), a misheard
// line such as "and i didn't buy it" came with 1e-6, and the posterior of a correct
// short command is typically above 0.5. 0.5 keeps most of what it gets right and drops
// the long tail of guesses; it is a judgement, not a tuned value — there is no labelled
// set of its transcripts with confidences to tune it on. An unknown engine gets 0.8:
// an embedded recogniser must earn trust before its words may raise hints.
var DefaultGates = Gates{"pocketsphinx": 0.5, "*": 0.8}

// FromIntegrator reports whether d was pushed by an integrator (or names no source,
// which only integrator paths produce).
func FromIntegrator(d *event.TranscriptData) bool {
	return d.Source == "" || d.Source == event.TranscriptSourceIntegrator
}

// Pass reports whether d's words may be used to raise hints: always for an integrator's
// transcript, and for an embedded recogniser's when its confidence reaches the engine's
// gate. A nil Gates is DefaultGates.
func (g Gates) Pass(d *event.TranscriptData) bool {
	if FromIntegrator(d) {
		return true
	}
	if g == nil {
		g = DefaultGates
	}
	min, ok := g[d.Source]
	if !ok {
		if min, ok = g["*"]; !ok {
			min = DefaultGates["*"]
		}
	}
	return d.Confidence >= min
}
