package asr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/redact"
)

// Params configure a Transcriber. Zero values take the defaults in brackets.
type Params struct {
	// Recognizer decodes the utterances. The caller owns it and closes it after the
	// Transcriber.
	Recognizer Recognizer
	// Lang returns the language tag of a call ("en-US", "nl", …), e.g. from its metadata;
	// nil or "" means DefaultLang. Parties of calls whose language the recognizer does not
	// support get no analyzer: no transcript events at all.
	Lang        func(callID string) string
	DefaultLang string        // ["en"]
	Parties     []event.Party // parties to transcribe [customer and agent]
	Workers     int           // decoding goroutines [1]
	Queue       int           // utterances waiting for a worker; when full the oldest is dropped [8]
	PreRoll     time.Duration // audio kept before the VAD's speech onset [300ms]
	MinSpeech   time.Duration // utterances with less VAD speech are skipped [250ms]
	MaxUtter    time.Duration // longer speech is cut into utterances of this length [15s]
	FlushWait   time.Duration // how long a party's Close waits for its queued utterances [5s]
	// Redact replaces identifying numbers in recognised text and says how many spans it
	// replaced, as for integrators' transcripts [redact.Redact, amounts kept].
	Redact func(text string) (string, int)
	// Metrics count utterances by result [collectors registered nowhere].
	Metrics *metrics.ASR
	Log     *slog.Logger
}

func (p *Params) defaults() {
	if ps, ok := p.Recognizer.(PoolSizer); ok {
		w, q := ps.Pool()
		if p.Workers <= 0 {
			p.Workers = w
		}
		if p.Queue <= 0 {
			p.Queue = q
		}
	}
	if p.Metrics == nil {
		p.Metrics = metrics.NewASR()
	}
	if p.DefaultLang == "" {
		p.DefaultLang = "en"
	}
	if len(p.Parties) == 0 {
		p.Parties = []event.Party{event.Customer, event.Agent}
	}
	if p.Workers <= 0 {
		p.Workers = 1
	}
	if p.Queue <= 0 {
		p.Queue = 8
	}
	if p.PreRoll <= 0 {
		p.PreRoll = 300 * time.Millisecond
	}
	if p.MinSpeech <= 0 {
		p.MinSpeech = 250 * time.Millisecond
	}
	if p.MaxUtter <= 0 {
		p.MaxUtter = 15 * time.Second
	}
	if p.FlushWait <= 0 {
		p.FlushWait = 5 * time.Second
	}
	if p.Redact == nil {
		p.Redact = func(s string) (string, int) {
			out, spans := redact.Redact(s, redact.Options{})
			return out, len(spans)
		}
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
}

// DropPolicy names what the queue does when it is full: DropOldest discards the utterance
// that has waited longest, so the agent sees what the customer says now rather than a
// backlog. Audio reads never block.
const DropPolicy = "drop-oldest"

// Stats are the Transcriber's counters since New.
type Stats struct {
	Queued     uint64  // utterances handed to the queue
	Dropped    uint64  // dropped by the drop-oldest policy (queue full)
	Abandoned  uint64  // dropped at Close, or finished after their party's Close gave up waiting
	Short      uint64  // skipped: less speech than MinSpeech
	Cut        uint64  // utterances cut at MaxUtter
	Decoded    uint64  // decoded (emitted when the text was not empty)
	Emitted    uint64  // transcript events emitted
	Errors     uint64  // decoder errors
	Pending    int     // utterances queued or being decoded now
	AudioS     float64 // seconds of audio decoded
	DecodeS    float64 // seconds spent decoding
	RTF        float64 // DecodeS / AudioS
	DropPolicy string

	// Unavailable were dropped at once because the recogniser is down or asked us to
	// wait (ErrUnavailable).
	Unavailable uint64
}

// Transcriber is the call.AnalyzerFactory of the embedded recogniser: see the package doc.
type Transcriber struct {
	p      Params
	queue  chan *job
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	closeMu sync.RWMutex // held for reading while queueing; Close takes it to stop queueing
	closed  bool

	bufs sync.Pool // *[]int16 of capacity MaxUtter+PreRoll

	queued, dropped, abandoned, short, cut, decoded, emitted, errs, unavailable atomic.Uint64
	pending, audioNS, decodeNS                                                  atomic.Int64
}

type job struct {
	a          *partyASR
	buf        *[]int16
	start, end time.Duration
}

// New starts the worker pool.
func New(p Params) (*Transcriber, error) {
	if p.Recognizer == nil {
		return nil, fmt.Errorf("asr: transcriber: no recognizer: %w", ErrUnknownEngine)
	}
	p.defaults()
	t := &Transcriber{p: p, queue: make(chan *job, p.Queue)}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	capSamples := int((p.MaxUtter + p.PreRoll + 10*time.Millisecond) * SampleRate / time.Second)
	t.bufs.New = func() any { b := make([]int16, 0, capSamples); return &b }
	t.wg.Add(p.Workers)
	for range p.Workers {
		go t.work()
	}
	p.Log.Info("asr transcriber started", "engine", p.Recognizer.Name(), "workers", p.Workers,
		"queue", p.Queue, "drop", DropPolicy)
	return t, nil
}

// Analyzer implements call.AnalyzerFactory: one analyzer per transcribed party of a call
// in a supported language, nil otherwise.
func (t *Transcriber) Analyzer(callID string, party event.Party) call.Analyzer {
	if !slices.Contains(t.p.Parties, party) {
		return nil
	}
	lang := t.p.DefaultLang
	if t.p.Lang != nil {
		if l := t.p.Lang(callID); l != "" {
			lang = l
		}
	}
	lang = Lang(lang)
	if !t.p.Recognizer.Supports(lang) {
		t.p.Log.Debug("no transcripts: language not supported", "call", callID, "party", party,
			"lang", lang, "engine", t.p.Recognizer.Name())
		return nil
	}
	return newPartyASR(t, callID, party, lang)
}

// Supports reports whether calls in lang (any tag form) get transcripts.
func (t *Transcriber) Supports(lang string) bool {
	if lang = Lang(lang); lang == "" {
		lang = Lang(t.p.DefaultLang)
	}
	return t.p.Recognizer.Supports(lang)
}

var _ call.AnalyzerFactory = (*Transcriber)(nil).Analyzer

// enqueue hands j to the workers without ever blocking: when the queue is full, the
// oldest waiting utterance is dropped.
func (t *Transcriber) enqueue(j *job) {
	t.closeMu.RLock()
	defer t.closeMu.RUnlock()
	if t.closed {
		t.abandoned.Add(1)
		t.p.Metrics.Utterances.WithLabelValues("abandoned").Inc()
		t.putBuf(j.buf)
		return
	}
	j.a.add()
	t.pending.Add(1)
	t.p.Metrics.Pending.Inc()
	t.queued.Add(1)
	for {
		select {
		case t.queue <- j:
			return
		default:
		}
		select {
		case old := <-t.queue:
			t.p.Metrics.Utterances.WithLabelValues("dropped_queue_full").Inc()
			if n := t.dropped.Add(1); n == 1 || n%100 == 0 {
				t.p.Log.Warn("asr queue full: dropped the oldest utterance", "policy", DropPolicy,
					"dropped_total", n, "call", old.a.callID, "party", old.a.party)
			}
			t.release(old)
		default:
		}
	}
}

func (t *Transcriber) abandon(j *job) {
	t.abandoned.Add(1)
	t.p.Metrics.Utterances.WithLabelValues("abandoned").Inc()
	t.release(j)
}

// release returns j's buffer and ends it.
func (t *Transcriber) release(j *job) {
	t.putBuf(j.buf)
	t.finish(j)
}

// finish ends j's pending state, in the Transcriber and in its party.
func (t *Transcriber) finish(j *job) {
	t.pending.Add(-1)
	t.p.Metrics.Pending.Dec()
	j.a.done()
}

func (t *Transcriber) getBuf() *[]int16 {
	b := t.bufs.Get().(*[]int16)
	*b = (*b)[:0]
	return b
}

func (t *Transcriber) putBuf(b *[]int16) { t.bufs.Put(b) }

func (t *Transcriber) work() {
	defer t.wg.Done()
	for {
		select {
		case <-t.ctx.Done():
			return
		case j := <-t.queue:
			t.decode(j)
		}
	}
}

func (t *Transcriber) decode(j *job) {
	a := j.a
	if a.gaveUp() {
		t.abandon(j)
		return
	}
	pcm := *j.buf
	t0 := time.Now()
	res, err := Transcribe(t.ctx, t.p.Recognizer, a.lang, pcm)
	t.decodeNS.Add(int64(time.Since(t0)))
	t.audioNS.Add(int64(time.Duration(len(pcm)) * time.Second / SampleRate))
	t.putBuf(j.buf)
	j.buf = nil
	m := t.p.Metrics.Utterances
	switch {
	case errors.Is(err, context.Canceled):
		t.abandoned.Add(1)
		m.WithLabelValues("abandoned").Inc()
		t.finish(j)
		return
	case errors.Is(err, ErrUnavailable):
		// The engine logs its state changes; one line per dropped utterance would flood.
		t.unavailable.Add(1)
		m.WithLabelValues("dropped_unavailable").Inc()
		t.finish(j)
		return
	case err != nil:
		m.WithLabelValues("failed").Inc()
		if n := t.errs.Add(1); n == 1 || n%100 == 0 {
			t.p.Log.Error("asr decode failed", "call", a.callID, "party", a.party, "err", err, "errors_total", n)
		}
		t.finish(j)
		return
	}
	t.decoded.Add(1)
	if res.Text == "" {
		m.WithLabelValues("empty").Inc()
		t.finish(j)
		return
	}
	d := event.TranscriptData{Start: j.start.Seconds(), End: j.end.Seconds(), Final: true,
		Lang: a.lang, Confidence: res.Confidence, Source: t.p.Recognizer.Name()}
	d.Text, d.Redacted = t.p.Redact(res.Text)
	if len(res.Words) > 0 && d.Redacted == 0 { // word timings would carry what redaction removed
		d.Words = make([]event.TranscriptWord, len(res.Words))
		for i, w := range res.Words {
			d.Words[i] = event.TranscriptWord{Word: w.Word, Start: (j.start + w.Start).Seconds(),
				End: (j.start + w.End).Seconds(), Confidence: w.Confidence}
		}
	}
	t.pending.Add(-1)
	t.p.Metrics.Pending.Dec()
	a.emitDone(j.end, d) // counts emitted or abandoned before the party may see it done
}

// Stats returns the counters.
func (t *Transcriber) Stats() Stats {
	s := Stats{Queued: t.queued.Load(), Dropped: t.dropped.Load(), Abandoned: t.abandoned.Load(),
		Short: t.short.Load(), Cut: t.cut.Load(), Decoded: t.decoded.Load(), Emitted: t.emitted.Load(),
		Errors: t.errs.Load(), Unavailable: t.unavailable.Load(), AudioS: time.Duration(t.audioNS.Load()).Seconds(),
		DecodeS: time.Duration(t.decodeNS.Load()).Seconds(), DropPolicy: DropPolicy}
	s.Pending = int(t.pending.Load())
	if s.AudioS > 0 {
		s.RTF = s.DecodeS / s.AudioS
	}
	return s
}

// Close stops queueing, cancels the decodes in flight, waits for the workers and drops
// what is still queued. Safe to call twice. It does not close the Recognizer.
func (t *Transcriber) Close() error {
	t.closeMu.Lock()
	already := t.closed
	t.closed = true
	t.closeMu.Unlock()
	if already {
		return nil
	}
	t.cancel()
	t.wg.Wait()
	for {
		select {
		case j := <-t.queue:
			t.abandon(j)
		default:
			return nil
		}
	}
}
