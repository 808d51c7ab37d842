package call

import (
	"time"

	"github.com/undertone/undertone/internal/dsp"
	"github.com/undertone/undertone/internal/event"
)

// HopSamples is the hop length of every party stream: 10 ms at 16 kHz.
const (
	SampleRate    = 16000
	HopSamples    = dsp.FrontHop
	WindowSamples = dsp.FrontWindow // 40 ms analysis window ending at the hop (two periods of 50 Hz)
)

// Hop is one 10 ms step of a party's 16 kHz mono stream, with the core measurements
// already made by the stream. The slices are only valid during the Analyzer call.
type Hop struct {
	Party     event.Party
	T         time.Duration // media time at the end of this hop, since the call started
	Samples   []float32     // the newest HopSamples samples, full scale ±1
	Window    []float32     // the last WindowSamples samples ending at this hop
	Window8   []float32     // the same 40 ms at 8 kHz (WindowSamples/2 samples): the pitch tracker's input
	LevelDB   float64       // RMS dBFS of Window
	PitchHz   float64       // F0 of Window, 0 when unvoiced
	PitchConf float64       // 0..1 periodicity of the pitch estimate
	Voiced    bool          // voicing decision for Window
	Speech    bool          // voice activity (with hangover) at this hop
	// Pitch is the stream's whole YIN estimate on Window8 (PitchHz, PitchConf and Voiced
	// are its voiced summary), Spectrum the power spectrum of the newest 25 ms of Window,
	// computed by the first analyzer that asks: one pitch estimate and one FFT per hop,
	// whoever consumes them. A hand-built Hop may leave Spectrum nil.
	Pitch    dsp.PitchEstimate
	Spectrum *dsp.Spectrum
}

// Emitter sends an event into the call's stream: the payload's type is the event's.
// It never blocks.
type Emitter interface {
	Emit(party event.Party, t time.Duration, data event.Payload)
}

// Analyzer consumes one party's hops on that party's goroutine (the hot path): it must
// not block, should not allocate per hop in steady state, and must not retain the slices.
type Analyzer interface {
	Hop(h *Hop, emit Emitter)
	// Close is called once when the party's stream ends, to flush open state
	// (an utterance in progress).
	Close(emit Emitter)
}

// AnalyzerFactory makes one Analyzer per party stream of a call; it returns nil when it
// has nothing to add for that party.
type AnalyzerFactory func(callID string, p event.Party) Analyzer
