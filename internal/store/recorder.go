package store

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// Recorder persists events off the hot path. Record puts an event on a bounded queue and
// returns at once; one goroutine takes whatever is queued (up to MaxBatch events) and
// writes it in one transaction.
//
// Drop policy "drop-newest": when the queue is full the event being recorded is dropped
// and counted (Stats().Dropped); what is queued already is kept. Event types the store
// does not keep (level, pitch, vad, dynamics, alert, call.*) never take queue space.
//
// Persisted: emotion (utterances only; rolling windows are live cues), transcript, intent,
// hint, hint.feedback, decoded as event.EmotionData, TranscriptData, HintData and
// HintFeedbackData; an intent payload is read for "intent" (or "label") and "confidence"
// and kept whole. A hint's title is stored in the call's language (HintData.Lang). The
// event's ts (Unix ms) is the row's time; its party is the row's party.
//
// Trend buckets are fed from the same events: customer utterances (arousal, valence,
// negative share), hints raised and hints rated useful, keyed by the call's queue, team
// and agent as the registry stored them (read once per call). Calls are counted by
// Store.CallEnded. Buckets accumulate, so exactly one Recorder per event stream must feed
// them: with several nodes on one bus, each node records only its own calls' events.
type Recorder struct {
	st  Store
	log *slog.Logger
	q   chan event.Raw

	mu     sync.RWMutex // guards closed against sends on a closed channel
	closed bool
	done   chan struct{}

	dropped, written, failed, ignored atomic.Uint64

	// owned by the run goroutine
	batch Batch
	dims  map[string]callDims
}

// MaxBatch is the most events one transaction carries.
const MaxBatch = 512

// RecorderStats counts events. Written and Failed count events taken off the queue.
type RecorderStats struct {
	Queued, Written, Dropped, Failed, Ignored uint64
}

type callDims struct{ queue, team, agent string }

// NewRecorder starts a recorder with a queue of `queue` events (0: 4096). The caller owns
// it and must Close it.
func NewRecorder(st Store, log *slog.Logger, queue int) *Recorder {
	if queue <= 0 {
		queue = 4096
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{
		st: st, log: log.With("component", "store.recorder"),
		q: make(chan event.Raw, queue), done: make(chan struct{}),
		dims: map[string]callDims{},
	}
	go r.run()
	return r
}

// Persisted reports whether events of type t are written by a Recorder.
func Persisted(t string) bool {
	switch t {
	case event.Emotion, event.Transcript, event.Intent, event.Hint, event.HintFeedback, event.CallEnded:
		return true
	}
	return false
}

// Record queues raw for writing. It never blocks; see the drop policy above. Safe to call
// from many goroutines, and after Close (the event is dropped).
func (r *Recorder) Record(raw event.Raw) {
	if !Persisted(raw.Type) {
		r.ignored.Add(1)
		return
	}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		r.dropped.Add(1)
		return
	}
	select {
	case r.q <- raw:
	default:
		r.dropped.Add(1)
	}
	r.mu.RUnlock()
}

// Stats returns the counters.
func (r *Recorder) Stats() RecorderStats {
	return RecorderStats{
		Queued: uint64(len(r.q)), Written: r.written.Load(), Dropped: r.dropped.Load(),
		Failed: r.failed.Load(), Ignored: r.ignored.Load(),
	}
}

// Close stops taking events, writes what is queued and waits for that until ctx ends.
// Safe to call twice.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.q)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	for {
		raw, ok := <-r.q
		if !ok {
			return
		}
		n, good := 1, r.add(raw)
	fill:
		for n < MaxBatch {
			select {
			case raw, ok = <-r.q:
				if !ok {
					break fill
				}
				good += r.add(raw)
				n++
			default:
				break fill
			}
		}
		r.flush(good)
		if !ok {
			return
		}
	}
}

func (r *Recorder) flush(n int) {
	defer r.batch.Reset()
	if r.batch.Len() == 0 {
		r.written.Add(uint64(n))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.st.Write(ctx, &r.batch); err != nil {
		if f := r.failed.Add(uint64(n)); f == uint64(n) || f%1000 < uint64(n) {
			r.log.Error("write batch", "events", n, "failed_total", f, "err", err)
		}
		return
	}
	r.written.Add(uint64(n))
}

// envelope is the part of an event the recorder reads.
type envelope struct {
	TS    int64           `json:"ts"`
	Party string          `json:"party"`
	T     float64         `json:"t"`
	Data  json.RawMessage `json:"data"`
}

// intentData is what the recorder reads of an intent payload until internal/event
// defines one.
type intentData struct {
	Intent     string  `json:"intent"`
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

// title is the hint's title in the call's language (Dutch unless the hint says English).
func title(d *event.HintData) string {
	if d.Lang == "en" && d.Title.EN != "" || d.Title.NL == "" {
		return d.Title.EN
	}
	return d.Title.NL
}

// add decodes one event into the batch and returns 1, or 0 for a malformed event (counted
// as failed).
func (r *Recorder) add(raw event.Raw) int {
	var env envelope
	if err := json.Unmarshal(raw.Body, &env); err != nil {
		return r.bad(raw, err)
	}
	at := time.UnixMilli(env.TS).UTC()
	if env.TS == 0 {
		at = time.Now().UTC()
	}
	party := string(raw.Party)
	if party == "" {
		party = env.Party
	}
	b := &r.batch
	switch raw.Type {
	case event.Emotion:
		var d event.EmotionData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return r.bad(raw, err)
		}
		if d.Kind == event.EmotionWindow {
			return 1
		}
		b.Emotions = append(b.Emotions, EmotionRow{
			CallID: raw.Call, Party: party, TStart: d.Start, TEnd: d.End, Top: d.Top, Probs: d.Probs,
			Arousal: d.Arousal, Valence: d.Valence, Confidence: d.Confidence, At: at,
		})
		if party == string(event.Customer) {
			td := r.trend(raw.Call, at)
			td.Emotions, td.ArousalSum, td.ValenceSum = 1, d.Arousal, d.Valence
			if Negative(d.Top) {
				td.Negative = 1
			}
			r.addTrend(td)
		}
	case event.Transcript:
		var d event.TranscriptData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return r.bad(raw, err)
		}
		b.Transcripts = append(b.Transcripts, TranscriptRow{
			CallID: raw.Call, Party: party, Segment: d.Segment, Start: d.Start, End: d.End, Text: d.Text, Final: d.Final,
			Lang: d.Lang, Confidence: d.Confidence, Source: d.Source, At: at,
		})
	case event.Intent:
		var d intentData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return r.bad(raw, err)
		}
		if d.Intent == "" {
			d.Intent = d.Label
		}
		b.Intents = append(b.Intents, IntentRow{
			CallID: raw.Call, Party: party, T: env.T, Intent: d.Intent, Confidence: d.Confidence,
			Payload: append(json.RawMessage(nil), env.Data...), At: at,
		})
	case event.Hint:
		var d event.HintData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return r.bad(raw, err)
		}
		if d.ID == "" {
			return r.bad(raw, ErrInvalid)
		}
		b.Hints = append(b.Hints, HintRow{
			CallID: raw.Call, ID: d.ID, RuleID: d.Rule, Title: title(&d),
			Payload: append(json.RawMessage(nil), env.Data...), At: at,
		})
		td := r.trend(raw.Call, at)
		td.HintsRaised = 1
		r.addTrend(td)
	case event.HintFeedback:
		var d event.HintFeedbackData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return r.bad(raw, err)
		}
		if d.Hint == "" || !ValidRating(d.Rating) {
			return r.bad(raw, ErrInvalid)
		}
		b.Feedback = append(b.Feedback, FeedbackRow{CallID: raw.Call, HintID: d.Hint, Rating: d.Rating, Agent: first(d.Agent, d.By), At: at})
		if d.Rating == Useful {
			td := r.trend(raw.Call, at)
			td.HintsUseful = 1
			r.addTrend(td)
		}
	case event.CallEnded:
		delete(r.dims, raw.Call) // the registry stores the call itself
	}
	return 1
}

func (r *Recorder) bad(raw event.Raw, err error) int {
	if f := r.failed.Add(1); f == 1 || f%1000 == 0 {
		r.log.Warn("undecodable event", "type", raw.Type, "call", raw.Call, "seq", raw.Seq, "failed_total", f, "err", err)
	}
	return 0
}

// trend returns an empty delta for the call's dimensions at the hour of at.
func (r *Recorder) trend(callID string, at time.Time) TrendDelta {
	d, ok := r.dims[callID]
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := r.st.GetCall(ctx, callID)
		cancel()
		if err == nil {
			d = callDims{queue: c.Queue, team: c.Team, agent: c.Agent}
		}
		if len(r.dims) >= 100_000 { // calls whose call.ended we never saw
			clear(r.dims)
		}
		r.dims[callID] = d
	}
	return TrendDelta{Hour: at.Truncate(time.Hour), Queue: d.queue, Team: d.team, Agent: d.agent}
}

// addTrend merges td into the batch's delta for the same bucket.
func (r *Recorder) addTrend(td TrendDelta) {
	ts := r.batch.Trends
	for i := range ts {
		t := &ts[i]
		if t.Hour.Equal(td.Hour) && t.Queue == td.Queue && t.Team == td.Team && t.Agent == td.Agent {
			t.Calls += td.Calls
			t.Emotions += td.Emotions
			t.ArousalSum += td.ArousalSum
			t.ValenceSum += td.ValenceSum
			t.Negative += td.Negative
			t.HintsRaised += td.HintsRaised
			t.HintsUseful += td.HintsUseful
			return
		}
	}
	r.batch.Trends = append(ts, td)
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Negative reports whether an emotion class counts as negative in the trends.
func Negative(top string) bool { return top == "angry" || top == "sad" || top == "fearful" }

// ValidRating reports whether s is a hint feedback rating.
func ValidRating(s string) bool { return s == Useful || s == NotUseful || s == Used }
