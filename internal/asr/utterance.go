package asr

import (
	"strconv"
	"sync"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
)

// hopDur is the length of one call.Hop.
const hopDur = time.Duration(call.HopSamples) * time.Second / call.SampleRate

// partyASR is the hot-path half of a Transcriber for one party: it cuts the party's
// stream into utterances on the VAD decision and queues them. Hop and Close run on the
// party's goroutine; add, done, gaveUp and emitDone on workers too (under mu).
type partyASR struct {
	t      *Transcriber
	callID string
	party  event.Party
	lang   string

	// party goroutine only
	emit       call.Emitter
	ring       []int16 // the last PreRoll of audio, circular
	ringPos    int
	ringFull   bool
	cur        *[]int16 // utterance being collected, nil between utterances
	start      time.Duration
	speechHops int
	maxSamples int
	minHops    int

	mu      sync.Mutex
	pending int
	idle    chan struct{} // closed when pending drops to 0; nil while 0
	closed  bool          // Close has returned: late results are dropped
	segs    int           // transcript segments emitted (their ids: party-asr-N)
}

var _ call.Analyzer = (*partyASR)(nil)

func newPartyASR(t *Transcriber, callID string, party event.Party, lang string) *partyASR {
	return &partyASR{t: t, callID: callID, party: party, lang: lang,
		ring:       make([]int16, int(t.p.PreRoll*SampleRate/time.Second)),
		maxSamples: int(t.p.MaxUtter * SampleRate / time.Second),
		minHops:    int((t.p.MinSpeech + hopDur - 1) / hopDur)}
}

// Hop copies the hop's samples: into the utterance while the VAD says speech (plus the
// pre-roll before the onset), and into the pre-roll ring always. No decoding, no
// allocation in steady state (buffers come from the Transcriber's pool).
func (a *partyASR) Hop(h *call.Hop, emit call.Emitter) {
	if a.emit == nil {
		a.setEmitter(emit)
	}
	if a.cur == nil && h.Speech {
		a.cur = a.t.getBuf()
		a.speechHops = 0
		n := a.appendRing()
		a.start = h.T - hopDur - time.Duration(n)*time.Second/SampleRate
		if a.start < 0 {
			a.start = 0
		}
	}
	if a.cur != nil {
		appendPCM(a.cur, h.Samples)
		if h.Speech {
			a.speechHops++
		}
		switch {
		case !h.Speech:
			a.submit(h.T)
		case len(*a.cur) >= a.maxSamples:
			// Cut and continue at once, without overlap: consecutive texts concatenate.
			a.t.cut.Add(1)
			a.submit(h.T)
			a.cur, a.start, a.speechHops = a.t.getBuf(), h.T, 0
		}
	}
	a.pushRing(h.Samples)
}

// Close flushes an utterance in progress and waits, at most FlushWait, for this party's
// queued utterances so their transcripts come before call.ended. Results that finish
// later are dropped (counted as abandoned).
func (a *partyASR) Close(emit call.Emitter) {
	if a.emit == nil && emit != nil {
		a.setEmitter(emit)
	}
	if a.cur != nil {
		end := a.start + time.Duration(len(*a.cur))*time.Second/SampleRate
		a.submit(end)
	}
	a.mu.Lock()
	idle := a.idle
	a.mu.Unlock()
	if idle != nil {
		tm := time.NewTimer(a.t.p.FlushWait)
		select {
		case <-idle:
		case <-tm.C:
			a.t.p.Log.Warn("asr: party closed before its transcripts were ready", "call", a.callID,
				"party", a.party, "wait", a.t.p.FlushWait)
		}
		tm.Stop()
	}
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
}

// setEmitter records the call's emitter for the workers (written once, under mu; the
// party goroutine may read it without the lock as it is the only writer).
func (a *partyASR) setEmitter(emit call.Emitter) {
	a.mu.Lock()
	a.emit = emit
	a.mu.Unlock()
}

func (a *partyASR) submit(end time.Duration) {
	b := a.cur
	a.cur = nil
	if a.speechHops < a.minHops {
		a.t.short.Add(1)
		a.t.putBuf(b)
		return
	}
	a.t.enqueue(&job{a: a, buf: b, start: a.start, end: end})
}

func (a *partyASR) appendRing() int {
	if !a.ringFull {
		*a.cur = append(*a.cur, a.ring[:a.ringPos]...)
		return a.ringPos
	}
	*a.cur = append(*a.cur, a.ring[a.ringPos:]...)
	*a.cur = append(*a.cur, a.ring[:a.ringPos]...)
	return len(a.ring)
}

func (a *partyASR) pushRing(x []float32) {
	if len(a.ring) == 0 {
		return
	}
	for _, v := range x {
		a.ring[a.ringPos] = toInt16(v)
		if a.ringPos++; a.ringPos == len(a.ring) {
			a.ringPos, a.ringFull = 0, true
		}
	}
}

func appendPCM(dst *[]int16, x []float32) {
	for _, v := range x {
		*dst = append(*dst, toInt16(v))
	}
}

func toInt16(v float32) int16 {
	v *= 32768
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	}
	return int16(v)
}

func (a *partyASR) add() {
	a.mu.Lock()
	if a.pending == 0 {
		a.idle = make(chan struct{})
	}
	a.pending++
	a.mu.Unlock()
}

func (a *partyASR) done() {
	a.mu.Lock()
	a.doneLocked()
	a.mu.Unlock()
}

func (a *partyASR) doneLocked() {
	if a.pending--; a.pending == 0 {
		close(a.idle)
		a.idle = nil
	}
}

func (a *partyASR) gaveUp() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// emitDone emits a final transcript unless the party's Close has already returned, and
// ends the job. It reports whether it emitted, and counts it (emitted or abandoned)
// before ending the job, so Stats after the party's Close include it. Emit never blocks
// (call.Emitter contract), so holding mu across it is safe.
func (a *partyASR) emitDone(t time.Duration, d event.TranscriptData) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer a.doneLocked()
	if a.closed || a.emit == nil {
		a.t.abandoned.Add(1)
		a.t.p.Metrics.Utterances.WithLabelValues("abandoned").Inc()
		return false
	}
	a.t.emitted.Add(1)
	a.t.p.Metrics.Utterances.WithLabelValues("transcribed").Inc()
	// Embedded results are final only, one segment per utterance; the id differs from
	// the integrator endpoint's "party-N" so both can feed one call.
	a.segs++
	d.Segment = string(a.party) + "-asr-" + strconv.Itoa(a.segs)
	a.emit.Emit(a.party, t, &d)
	return true
}
