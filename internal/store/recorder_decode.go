package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/undertone/undertone/internal/event"
)

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
		c, found := r.hold.start(callID) // a start row held for retry is not in the store yet
		if !found {
			ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
			c, found = r.getCall(ctx, callID)
			cancel()
		}
		if found {
			d = callDims{queue: c.Queue, team: c.Team, agent: c.Agent}
		}
		if len(r.dims) >= 100_000 { // calls whose call.ended we never saw
			clear(r.dims)
		}
		r.dims[callID] = d
	}
	return TrendDelta{Hour: at.Truncate(time.Hour), Queue: d.queue, Team: d.team, Agent: d.agent}
}

// getCall asks the store for a call; ok is false when it cannot say.
func (r *Recorder) getCall(ctx context.Context, id string) (CallRecord, bool) {
	c, err := r.st.GetCall(ctx, id)
	return c, err == nil
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
