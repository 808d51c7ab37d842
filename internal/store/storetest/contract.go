// Package storetest is the contract every store backend passes: RunContract from a
// backend's tests with a function that opens a fresh, empty store. It also holds the
// crash-safety check (RunCrash), which needs a helper process (CrashHelper).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// NewStore opens a fresh, empty store; the test closes it (closing twice must be safe
// for t.Cleanup use).
type NewStore func(t testing.TB) store.Store

// T0 is the base time of the contract's data: a whole hour, UTC.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// RunContract runs every contract test against stores from newStore.
func RunContract(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"CallLifecycle", testCallLifecycle},
		{"CallEndedIdempotent", testCallEndedIdempotent},
		{"CallIDNeverReused", testCallIDNeverReused},
		{"MarkInterrupted", testMarkInterrupted},
		{"GetCallNotFound", testGetCallNotFound},
		{"ListCalls", testListCalls},
		{"Timeline", testTimeline},
		{"TranscriptFinalWins", testTranscriptFinalWins},
		{"RowsBeforeCallStarted", testRowsBeforeCallStarted},
		{"BatchAtomic", testBatchAtomic},
		{"RuleUsefulness", testRuleUsefulness},
		{"Trends", testTrends},
		{"Tokens", testTokens},
		{"Retain", testRetain},
		{"RetainMany", testRetainMany},
		{"Recorder", testRecorder},
		{"RecorderDropsWhenFull", testRecorderDrops},
		{"ConcurrentWrites", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			t.Cleanup(func() { _ = st.Close() })
			tc.fn(t, st)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sampleCall(id string, start time.Time) store.CallRecord {
	return store.CallRecord{
		ID: id, Source: "whip", Agent: "A17", Team: "billing", Queue: "nl-billing",
		StartedAt: start, Parties: []string{"customer", "agent"},
		Meta: map[string]string{"crm": "case-4711", "lang": "nl"},
	}
}

func sampleSummary() *event.Summary {
	return &event.Summary{DurationS: 93.5, Parties: map[event.Party]event.PartySummary{
		event.Customer: {Codec: "opus", MediaS: 93.4, TalkS: 41.2, MeanLevelDB: -23.5, MeanPitchHz: 182, Packets: 4670, Lost: 3},
		event.Agent:    {Codec: "opus", MediaS: 93.5, TalkS: 38.9, MeanLevelDB: -21, MeanPitchHz: 121, Packets: 4675},
	}}
}

func testCallLifecycle(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	c := sampleCall("call-1", T0.Add(90*time.Second+123*time.Millisecond))
	must(t, st.CallStarted(ctx, c))
	got, err := st.GetCall(ctx, c.ID)
	must(t, err)
	want := c
	want.State = store.StateLive
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after start:\n got %+v\nwant %+v", got, want)
	}
	end := c
	end.EndedAt, end.Reason, end.Summary = c.StartedAt.Add(93500*time.Millisecond), "hangup", sampleSummary()
	must(t, st.CallEnded(ctx, end))
	got, err = st.GetCall(ctx, c.ID)
	must(t, err)
	want = end
	want.State = store.StateEnded
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after end:\n got %+v\nwant %+v", got, want)
	}
	// An end record that only carries the end keeps what the start stored.
	must(t, st.CallStarted(ctx, sampleCall("call-2", T0)))
	must(t, st.CallEnded(ctx, store.CallRecord{ID: "call-2", EndedAt: T0.Add(time.Minute), Reason: "timeout"}))
	got, err = st.GetCall(ctx, "call-2")
	must(t, err)
	if got.Agent != "A17" || got.Team != "billing" || got.Meta["crm"] != "case-4711" || !got.StartedAt.Equal(T0) ||
		got.State != store.StateEnded || got.Reason != "timeout" || len(got.Parties) != 2 || got.Summary != nil {
		t.Fatalf("sparse end lost start fields: %+v", got)
	}
	if err := st.CallStarted(ctx, store.CallRecord{}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("empty id: err %v, want ErrInvalid", err)
	}
}

// A second call with an earlier call's id — live or ended — is refused and the stored
// call keeps its agent, team, start and summary (it was once moved to the newcomer's agent
// and team by an upsert).
func testCallIDNeverReused(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	c := sampleCall("reused", T0)
	must(t, st.CallStarted(ctx, c))
	intruder := store.CallRecord{ID: "reused", Source: "sip", Agent: "B99", Team: "other", StartedAt: T0.Add(time.Hour)}
	if err := st.CallStarted(ctx, intruder); !errors.Is(err, store.ErrExists) {
		t.Fatalf("start over a live call: err %v, want ErrExists", err)
	}
	c.EndedAt, c.Reason, c.Summary = T0.Add(time.Minute), "hangup", sampleSummary()
	must(t, st.CallEnded(ctx, c))
	if err := st.CallStarted(ctx, intruder); !errors.Is(err, store.ErrExists) {
		t.Fatalf("start over an ended call: err %v, want ErrExists", err)
	}
	got, err := st.GetCall(ctx, "reused")
	must(t, err)
	if got.Agent != "A17" || got.Team != "billing" || !got.StartedAt.Equal(T0) || got.State != store.StateEnded ||
		got.Summary == nil || got.Source != "whip" {
		t.Fatalf("stored call changed by the refused start: %+v", got)
	}
}

func testCallEndedIdempotent(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	c := sampleCall("idem", T0.Add(5*time.Minute))
	must(t, st.CallStarted(ctx, c))
	c.EndedAt, c.Reason, c.Summary = T0.Add(7*time.Minute), "hangup", sampleSummary()
	for range 3 {
		must(t, st.CallEnded(ctx, c))
	}
	got, err := st.GetCall(ctx, c.ID)
	must(t, err)
	if got.State != store.StateEnded || !got.EndedAt.Equal(c.EndedAt) || got.Summary == nil {
		t.Fatalf("got %+v", got)
	}
	pts, err := st.Trends(ctx, store.TrendQuery{Since: T0, Until: T0.Add(time.Hour)})
	must(t, err)
	if len(pts) != 1 || pts[0].Calls != 1 {
		t.Fatalf("call counted %+v times in trends, want once", pts)
	}
}

func testMarkInterrupted(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CallStarted(ctx, sampleCall("live-1", T0)))
	must(t, st.CallStarted(ctx, sampleCall("live-2", T0.Add(time.Second))))
	ended := sampleCall("done", T0)
	must(t, st.CallStarted(ctx, ended))
	ended.EndedAt, ended.Reason = T0.Add(time.Minute), "hangup"
	must(t, st.CallEnded(ctx, ended))

	at := T0.Add(time.Hour)
	n, err := st.MarkInterrupted(ctx, at)
	must(t, err)
	if n != 2 {
		t.Fatalf("MarkInterrupted = %d, want 2", n)
	}
	for _, id := range []string{"live-1", "live-2"} {
		c, err := st.GetCall(ctx, id)
		must(t, err)
		if c.State != store.StateInterrupted || !c.EndedAt.Equal(at) || c.Reason != store.ReasonInterrupted {
			t.Fatalf("%s: %+v", id, c)
		}
	}
	c, err := st.GetCall(ctx, "done")
	must(t, err)
	if c.State != store.StateEnded || c.Reason != "hangup" {
		t.Fatalf("ended call touched: %+v", c)
	}
	if n, err := st.MarkInterrupted(ctx, at); err != nil || n != 0 {
		t.Fatalf("second MarkInterrupted = %d, %v", n, err)
	}
}

func testGetCallNotFound(t *testing.T, st store.Store) {
	_, err := st.GetCall(ctxT(t), "nope")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", err)
	}
}

func ids(cs []store.CallRecord) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testListCalls(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	mk := func(id, agent, team, queue string, minute int, meta map[string]string) store.CallRecord {
		return store.CallRecord{ID: id, Source: "siprec", Agent: agent, Team: team, Queue: queue,
			StartedAt: T0.Add(time.Duration(minute) * time.Minute), Meta: meta}
	}
	calls := []store.CallRecord{
		mk("c1", "A1", "billing", "q1", 1, map[string]string{"crm": "Case-100"}),
		mk("c2", "A2", "billing", "q1", 2, nil),
		mk("c3", "A1", "sales", "q2", 3, map[string]string{"note": "50%_off"}),
		mk("c4", "A3", "sales", "q2", 4, nil),
		mk("x-5", "A1", "support", "q3", 5, nil),
		mk("u6", "", "support", "q3", 0, nil),
	}
	for _, c := range calls {
		must(t, st.CallStarted(ctx, c))
	}
	c2 := calls[1]
	c2.EndedAt = c2.StartedAt.Add(time.Minute)
	must(t, st.CallEnded(ctx, c2))
	must(t, st.Write(ctx, &store.Batch{Transcripts: []store.TranscriptRow{
		{CallID: "c4", Party: "customer", Segment: "s1", Start: 1, End: 2, Text: "ik wil mijn Abonnement opzeggen", Final: true, Lang: "nl", At: T0},
	}}))

	cases := []struct {
		name string
		q    store.CallQuery
		want []string
	}{
		{"all newest first", store.CallQuery{}, []string{"x-5", "c4", "c3", "c2", "c1", "u6"}},
		{"state live", store.CallQuery{State: store.StateLive}, []string{"x-5", "c4", "c3", "c1", "u6"}},
		{"state ended", store.CallQuery{State: store.StateEnded}, []string{"c2"}},
		{"agent", store.CallQuery{Agent: "A1"}, []string{"x-5", "c3", "c1"}},
		{"agent or unassigned", store.CallQuery{Agent: "A2", Unassigned: true}, []string{"c2", "u6"}},
		{"team", store.CallQuery{Team: "sales"}, []string{"c4", "c3"}},
		{"queue", store.CallQuery{Queue: "q1"}, []string{"c2", "c1"}},
		{"teams scope", store.CallQuery{Teams: []string{"billing", "support"}}, []string{"x-5", "c2", "c1", "u6"}},
		{"since until", store.CallQuery{Since: T0.Add(2 * time.Minute), Until: T0.Add(4 * time.Minute)}, []string{"c3", "c2"}},
		{"text in id", store.CallQuery{Text: "X-"}, []string{"x-5"}},
		{"text in meta, any case", store.CallQuery{Text: "case-1"}, []string{"c1"}},
		{"text with LIKE metacharacters", store.CallQuery{Text: "50%_"}, []string{"c3"}},
		{"percent is literal", store.CallQuery{Text: "%"}, []string{"c3"}},
		{"text in a transcript, any case", store.CallQuery{Text: "abonnement OPZEGGEN"}, []string{"c4"}},
		{"limit", store.CallQuery{Limit: 2}, []string{"x-5", "c4"}},
		{"limit offset", store.CallQuery{Limit: 2, Offset: 2}, []string{"c3", "c2"}},
		{"combined", store.CallQuery{Agent: "A1", Team: "sales", State: store.StateLive}, []string{"c3"}},
		{"nothing", store.CallQuery{Agent: "nobody"}, []string{}},
	}
	for _, tc := range cases {
		got, err := st.ListCalls(ctx, tc.q)
		must(t, err)
		if !reflect.DeepEqual(ids(got), tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, ids(got), tc.want)
		}
	}
}

func emo(call, party string, start float64, top string, arousal, valence float64) store.EmotionRow {
	probs := map[string]float64{"neutral": 0.1, "angry": 0.1, "happy": 0.1, "sad": 0.1, "fearful": 0.1}
	probs[top] = 0.6
	return store.EmotionRow{CallID: call, Party: party, TStart: start, TEnd: start + 2.5, Top: top, Probs: probs,
		Arousal: arousal, Valence: valence, Confidence: 0.6, At: T0.Add(time.Duration(start * float64(time.Second)))}
}

func testTimeline(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CallStarted(ctx, sampleCall("tl", T0)))
	payload := json.RawMessage(`{"id":"h1","title":"Customer worries about the invoice","need":"certainty","phrasing":{"nl":"Ik zoek het nu voor u uit.","en":"Let me check that for you now."}}`)
	b := &store.Batch{
		Emotions: []store.EmotionRow{emo("tl", "customer", 3.25, "angry", 0.7, -0.6), emo("tl", "agent", 1, "neutral", 0, 0.1)},
		Transcripts: []store.TranscriptRow{
			{CallID: "tl", Party: "customer", Start: 3.25, End: 5.5, Text: "mijn IBAN is [IBAN]", Final: true, Lang: "nl", At: T0.Add(6 * time.Second)},
			{CallID: "tl", Party: "agent", Start: 0.5, End: 2, Text: "goedemorgen", Final: true, Lang: "nl", At: T0.Add(2 * time.Second)},
		},
		Intents: []store.IntentRow{{CallID: "tl", Party: "customer", T: 5.5, Intent: "billing.dispute", Confidence: 0.82,
			Payload: json.RawMessage(`{"intent":"billing.dispute","confidence":0.82}`), At: T0.Add(6 * time.Second)}},
		Hints:    []store.HintRow{{CallID: "tl", ID: "h1", RuleID: "invoice-worry", Title: "Customer worries about the invoice", Payload: payload, At: T0.Add(7 * time.Second)}},
		Feedback: []store.FeedbackRow{{CallID: "tl", HintID: "h1", Rating: store.Useful, Agent: "A17", At: T0.Add(9 * time.Second)}},
	}
	must(t, st.Write(ctx, b))
	must(t, st.Write(ctx, b)) // replayed: no duplicates
	tl, err := st.Timeline(ctx, "tl")
	must(t, err)
	if len(tl.Emotions) != 2 || tl.Emotions[0].Party != "agent" || tl.Emotions[1].Top != "angry" {
		t.Fatalf("emotions %+v", tl.Emotions)
	}
	if !reflect.DeepEqual(tl.Emotions[1], b.Emotions[0]) {
		t.Fatalf("emotion round trip:\n got %+v\nwant %+v", tl.Emotions[1], b.Emotions[0])
	}
	if len(tl.Transcripts) != 2 || !reflect.DeepEqual(tl.Transcripts[1], b.Transcripts[0]) || tl.Transcripts[0].Text != "goedemorgen" {
		t.Fatalf("transcripts %+v", tl.Transcripts)
	}
	if len(tl.Intents) != 1 || tl.Intents[0].Intent != "billing.dispute" || !jsonEqual(tl.Intents[0].Payload, b.Intents[0].Payload) {
		t.Fatalf("intents %+v", tl.Intents)
	}
	if len(tl.Hints) != 1 || tl.Hints[0].RuleID != "invoice-worry" || !jsonEqual(tl.Hints[0].Payload, payload) || !tl.Hints[0].At.Equal(b.Hints[0].At) {
		t.Fatalf("hints %+v", tl.Hints)
	}
	if len(tl.Feedback) != 1 || tl.Feedback[0] != b.Feedback[0] {
		t.Fatalf("feedback %+v", tl.Feedback)
	}
	empty, err := st.Timeline(ctx, "unknown")
	must(t, err)
	if len(empty.Emotions)+len(empty.Transcripts)+len(empty.Hints) != 0 {
		t.Fatalf("unknown call has a timeline: %+v", empty)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func testTranscriptFinalWins(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	seg := func(id string, start float64, text string, final bool) *store.Batch {
		return &store.Batch{Transcripts: []store.TranscriptRow{{CallID: "tr", Party: "customer", Segment: id, Start: start, End: 2,
			Text: text, Final: final, Lang: "nl", Confidence: 0.8, Source: "integrator", At: T0}}}
	}
	must(t, st.Write(ctx, seg("s1", 1.02, "ik wil", false)))
	must(t, st.Write(ctx, seg("s1", 0.98, "ik wil opzeggen", true))) // the recogniser moved the start
	must(t, st.Write(ctx, seg("s1", 1.02, "ik wil op", false)))      // a late partial
	// Without a segment id the start time is the key.
	must(t, st.Write(ctx, seg("", 3, "dank", false)))
	must(t, st.Write(ctx, seg("", 3, "dank u", true)))
	tl, err := st.Timeline(ctx, "tr")
	must(t, err)
	want := []store.TranscriptRow{
		{CallID: "tr", Party: "customer", Segment: "s1", Start: 0.98, End: 2, Text: "ik wil opzeggen", Final: true, Lang: "nl", Confidence: 0.8, Source: "integrator", At: T0},
		{CallID: "tr", Party: "customer", Start: 3, End: 2, Text: "dank u", Final: true, Lang: "nl", Confidence: 0.8, Source: "integrator", At: T0},
	}
	if !reflect.DeepEqual(tl.Transcripts, want) {
		t.Fatalf("transcripts\n got %+v\nwant %+v", tl.Transcripts, want)
	}
}

func testRowsBeforeCallStarted(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.Write(ctx, &store.Batch{Emotions: []store.EmotionRow{emo("early", "customer", 1, "sad", -0.2, -0.4)}}))
	c, err := st.GetCall(ctx, "early")
	must(t, err)
	if c.State != store.StateLive {
		t.Fatalf("placeholder call %+v", c)
	}
	must(t, st.CallStarted(ctx, sampleCall("early", T0)))
	c, err = st.GetCall(ctx, "early")
	must(t, err)
	if c.Agent != "A17" || !c.StartedAt.Equal(T0) {
		t.Fatalf("start did not fill placeholder: %+v", c)
	}
	tl, err := st.Timeline(ctx, "early")
	must(t, err)
	if len(tl.Emotions) != 1 {
		t.Fatalf("emotion lost: %+v", tl)
	}
}

func testBatchAtomic(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	b := &store.Batch{
		Emotions: []store.EmotionRow{emo("atom", "customer", 1, "happy", 0.3, 0.5)},
		Feedback: []store.FeedbackRow{{CallID: "atom", HintID: "h", Rating: "meh", At: T0}},
	}
	if err := st.Write(ctx, b); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad rating: err %v, want ErrInvalid", err)
	}
	b = &store.Batch{
		Emotions:    []store.EmotionRow{emo("atom", "customer", 1, "happy", 0.3, 0.5)},
		Transcripts: []store.TranscriptRow{{CallID: "", Party: "customer", Text: "x"}}, // no call: fails
	}
	if err := st.Write(ctx, b); err == nil {
		t.Fatal("row without call id was accepted")
	}
	tl, err := st.Timeline(ctx, "atom")
	must(t, err)
	if len(tl.Emotions) != 0 {
		t.Fatalf("half a failed batch was committed: %+v", tl.Emotions)
	}
	if _, err := st.GetCall(ctx, "atom"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("placeholder of a failed batch survived: %v", err)
	}
}

func testRuleUsefulness(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	var b store.Batch
	for i, r := range []string{"worry", "worry", "worry", "cancel"} {
		call := fmt.Sprintf("ru-%d", i%2)
		h := store.HintRow{CallID: call, ID: fmt.Sprintf("h%d", i), RuleID: r,
			Title: fmt.Sprintf("%s v%d", r, i), At: T0.Add(time.Duration(i) * time.Minute)}
		if r == "worry" { // the hint's payload carries both languages
			h.Payload = json.RawMessage(fmt.Sprintf(`{"title":{"nl":"zorg v%d","en":"worry v%d"}}`, i, i))
		}
		b.Hints = append(b.Hints, h)
	}
	fb := func(call, hint, rating, agent string, min int) store.FeedbackRow {
		return store.FeedbackRow{CallID: call, HintID: hint, Rating: rating, Agent: agent, At: T0.Add(time.Duration(min) * time.Minute)}
	}
	b.Feedback = []store.FeedbackRow{
		fb("ru-0", "h0", store.Useful, "A1", 10),
		fb("ru-0", "h0", store.Useful, "A2", 11), // same hint twice: counts once
		fb("ru-0", "h0", store.Used, "A1", 12),
		fb("ru-1", "h1", store.NotUseful, "A1", 13),
		fb("ru-0", "h2", store.Useful, "A1", 14),
		fb("ru-1", "h3", store.NotUseful, "A1", 15),
	}
	must(t, st.Write(ctx, &b))
	got, err := st.RuleUsefulness(ctx, time.Time{}, time.Time{})
	must(t, err)
	want := []store.RuleStats{
		{RuleID: "worry", Title: "worry v2", Titles: event.Localized{NL: "zorg v2", EN: "worry v2"}, Raised: 3, Useful: 2, NotUseful: 1, Used: 1},
		{RuleID: "cancel", Title: "cancel v3", Titles: event.Localized{NL: "cancel v3", EN: "cancel v3"}, Raised: 1, NotUseful: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if s := got[0].UsefulShare(); math.Abs(s-2.0/3) > 1e-12 {
		t.Fatalf("useful share %v", s)
	}
	got, err = st.RuleUsefulness(ctx, T0.Add(time.Minute), T0.Add(3*time.Minute))
	must(t, err)
	want = []store.RuleStats{{RuleID: "worry", Title: "worry v2", Titles: event.Localized{NL: "zorg v2", EN: "worry v2"},
		Raised: 2, Useful: 1, NotUseful: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("range: got %+v\nwant %+v", got, want)
	}
}

func testTrends(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	d := func(hour int, minute int, queue, team, agent string, f func(*store.TrendDelta)) store.TrendDelta {
		td := store.TrendDelta{Hour: T0.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute), Queue: queue, Team: team, Agent: agent}
		f(&td)
		return td
	}
	emotions := func(n, neg int64, a, v float64) func(*store.TrendDelta) {
		return func(td *store.TrendDelta) { td.Emotions, td.Negative, td.ArousalSum, td.ValenceSum = n, neg, a, v }
	}
	must(t, st.Write(ctx, &store.Batch{Trends: []store.TrendDelta{
		d(0, 5, "q1", "billing", "A1", emotions(4, 1, 2, -1)),
		d(0, 50, "q1", "billing", "A1", emotions(4, 3, 2, -3)), // same bucket: accumulates
		d(0, 10, "q1", "billing", "A2", func(td *store.TrendDelta) { td.HintsRaised, td.HintsUseful, td.Calls = 3, 1, 2 }),
		d(1, 0, "q2", "sales", "A3", emotions(2, 0, -1, 1)),
		d(25, 0, "q1", "billing", "A1", emotions(1, 1, 1, -1)), // next day
	}}))
	// The same delta added again in another transaction also accumulates.
	must(t, st.Write(ctx, &store.Batch{Trends: []store.TrendDelta{d(1, 30, "q2", "sales", "A3", emotions(2, 2, 1, -1))}}))

	pts, err := st.Trends(ctx, store.TrendQuery{Since: T0, Until: T0.Add(2 * time.Hour), GroupBy: store.GroupAgent})
	must(t, err)
	want := []store.TrendPoint{
		{Bucket: T0, Key: "A1", Emotions: 8, MeanArousal: 0.5, MeanValence: -0.5, NegativeShare: 0.5},
		{Bucket: T0, Key: "A2", Calls: 2, HintsRaised: 3, HintsUseful: 1},
		{Bucket: T0.Add(time.Hour), Key: "A3", Emotions: 4, MeanArousal: 0, MeanValence: 0, NegativeShare: 0.5},
	}
	if !trendsEqual(pts, want) {
		t.Fatalf("by agent:\n got %+v\nwant %+v", pts, want)
	}
	day := T0.Truncate(24 * time.Hour)
	pts, err = st.Trends(ctx, store.TrendQuery{Step: 24 * time.Hour, GroupBy: store.GroupTeam})
	must(t, err)
	want = []store.TrendPoint{
		{Bucket: day, Key: "billing", Calls: 2, Emotions: 8, MeanArousal: 0.5, MeanValence: -0.5, NegativeShare: 0.5, HintsRaised: 3, HintsUseful: 1},
		{Bucket: day, Key: "sales", Emotions: 4, NegativeShare: 0.5},
		{Bucket: day.Add(24 * time.Hour), Key: "billing", Emotions: 1, MeanArousal: 1, MeanValence: -1, NegativeShare: 1},
	}
	if !trendsEqual(pts, want) {
		t.Fatalf("by team per day:\n got %+v\nwant %+v", pts, want)
	}
	pts, err = st.Trends(ctx, store.TrendQuery{Step: 24 * time.Hour, Teams: []string{"sales"}})
	must(t, err)
	if len(pts) != 1 || pts[0].Key != "" || pts[0].Emotions != 4 {
		t.Fatalf("scoped to sales: %+v", pts)
	}
	pts, err = st.Trends(ctx, store.TrendQuery{Queue: "q1", Agent: "A1"})
	must(t, err)
	if len(pts) != 2 || pts[0].Emotions != 8 || pts[1].Emotions != 1 {
		t.Fatalf("filtered: %+v", pts)
	}
	if _, err := st.Trends(ctx, store.TrendQuery{GroupBy: "hour; DROP TABLE trends"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad group: %v", err)
	}
	if _, err := st.Trends(ctx, store.TrendQuery{Step: time.Minute}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad step: %v", err)
	}
}

func trendsEqual(a, b []store.TrendPoint) bool {
	if len(a) != len(b) {
		return false
	}
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	for i := range a {
		x, y := a[i], b[i]
		if !x.Bucket.Equal(y.Bucket) || x.Key != y.Key || x.Calls != y.Calls || x.Emotions != y.Emotions ||
			x.HintsRaised != y.HintsRaised || x.HintsUseful != y.HintsUseful ||
			!near(x.MeanArousal, y.MeanArousal) || !near(x.MeanValence, y.MeanValence) || !near(x.NegativeShare, y.NegativeShare) {
			return false
		}
	}
	return true
}

func testTokens(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	h := func(s string) (out [32]byte) { copy(out[:], s); return out }
	tok := store.Token{ID: "tok1", Name: "agent A17", Role: "agent", Agent: "A17", Teams: []string{"billing"},
		Hash: h("hash-1"), CreatedAt: T0, ExpiresAt: T0.Add(24 * time.Hour)}
	must(t, st.CreateToken(ctx, tok))
	must(t, st.CreateToken(ctx, store.Token{ID: "tok2", Role: "admin", Hash: h("hash-2"), CreatedAt: T0.Add(time.Minute)}))
	if err := st.CreateToken(ctx, store.Token{ID: "tok3", Role: "admin", Hash: h("hash-1"), CreatedAt: T0}); err == nil {
		t.Fatal("duplicate hash accepted")
	}
	if err := st.CreateToken(ctx, store.Token{ID: "tok4", Role: "admin"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("no hash: %v", err)
	}
	got, err := st.TokenByHash(ctx, h("hash-1"))
	must(t, err)
	if !reflect.DeepEqual(got, tok) {
		t.Fatalf("got %+v\nwant %+v", got, tok)
	}
	if !got.Valid(T0.Add(time.Hour)) || got.Valid(T0.Add(25*time.Hour)) {
		t.Fatal("expiry not honoured")
	}
	if _, err := st.TokenByHash(ctx, h("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	must(t, st.RevokeToken(ctx, "tok1", T0.Add(2*time.Hour)))
	must(t, st.RevokeToken(ctx, "tok1", T0.Add(3*time.Hour)))
	got, err = st.TokenByHash(ctx, h("hash-1"))
	must(t, err)
	if !got.RevokedAt.Equal(T0.Add(2*time.Hour)) || got.Valid(T0.Add(time.Hour)) {
		t.Fatalf("revoked: %+v", got)
	}
	if err := st.RevokeToken(ctx, "nope", T0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
	all, err := st.ListTokens(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != "tok2" || all[1].ID != "tok1" {
		t.Fatalf("list %+v", all)
	}
}

func testRetain(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for i, id := range []string{"old-ended", "old-live", "new-ended"} {
		start := T0.Add(time.Duration(i) * 24 * time.Hour)
		if id == "old-live" {
			start = T0
		}
		c := sampleCall(id, start)
		must(t, st.CallStarted(ctx, c))
		must(t, st.Write(ctx, &store.Batch{
			Emotions:    []store.EmotionRow{emo(id, "customer", 1, "sad", -0.1, -0.3)},
			Transcripts: []store.TranscriptRow{{CallID: id, Party: "customer", Start: 1, End: 2, Text: "t", Final: true, At: start}},
			Hints:       []store.HintRow{{CallID: id, ID: "h", RuleID: "r", At: start}},
			Feedback:    []store.FeedbackRow{{CallID: id, HintID: "h", Rating: store.Used, At: start}},
			Intents:     []store.IntentRow{{CallID: id, Party: "customer", Intent: "x", At: start}},
		}))
		if id != "old-live" {
			c.EndedAt = start.Add(time.Minute)
			must(t, st.CallEnded(ctx, c))
		}
	}
	n, err := st.Retain(ctx, T0.Add(24*time.Hour))
	must(t, err)
	if n != 1 {
		t.Fatalf("Retain deleted %d calls, want 1", n)
	}
	if _, err := st.GetCall(ctx, "old-ended"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old call kept: %v", err)
	}
	tl, err := st.Timeline(ctx, "old-ended")
	must(t, err)
	if len(tl.Emotions)+len(tl.Transcripts)+len(tl.Hints)+len(tl.Feedback)+len(tl.Intents) != 0 {
		t.Fatalf("rows of a deleted call kept: %+v", tl)
	}
	for _, id := range []string{"old-live", "new-ended"} {
		tl, err := st.Timeline(ctx, id)
		must(t, err)
		if len(tl.Emotions) != 1 || len(tl.Feedback) != 1 {
			t.Fatalf("%s lost rows: %+v", id, tl)
		}
	}
	rs, err := st.RuleUsefulness(ctx, time.Time{}, time.Time{})
	must(t, err)
	if len(rs) != 1 || rs[0].Raised != 2 {
		t.Fatalf("rule stats after retain %+v", rs)
	}
}

func testRetainMany(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	const n = 1100 // more than one retention slice
	for i := range n {
		must(t, st.CallEnded(ctx, store.CallRecord{ID: fmt.Sprintf("m%04d", i), StartedAt: T0, EndedAt: T0.Add(time.Minute)}))
	}
	got, err := st.Retain(ctx, T0.Add(time.Hour))
	must(t, err)
	if got != n {
		t.Fatalf("Retain = %d, want %d", got, n)
	}
	left, err := st.ListCalls(ctx, store.CallQuery{})
	must(t, err)
	if len(left) != 0 {
		t.Fatalf("%d calls left", len(left))
	}
}

// Marshal builds a raw event as a call would publish it.
func Marshal(t testing.TB, typ, call string, seq uint64, party event.Party, ts time.Time, data any) event.Raw {
	raw, err := event.Marshal(&event.Event{V: event.Version, Type: typ, Call: call, Seq: seq, TS: ts.UnixMilli(), Party: party, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func testRecorder(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	c := sampleCall("rec", T0)
	must(t, st.CallStarted(ctx, c))
	r := store.NewRecorder(st, slog.New(slog.DiscardHandler), 64)
	seq := uint64(0)
	rec := func(typ string, party event.Party, at time.Duration, data any) {
		seq++
		r.Record(Marshal(t, typ, "rec", seq, party, T0.Add(at), data))
	}
	ed := func(top string, a, v, start float64, kind string) event.EmotionData {
		return event.EmotionData{Probs: map[string]float64{top: 0.7, "neutral": 0.3}, Top: top, Arousal: a, Valence: v,
			Confidence: 0.7, Kind: kind, Start: start, End: start + 2}
	}
	rec(event.Level, event.Customer, time.Second, event.LevelData{DBFS: -20})
	rec(event.Emotion, event.Customer, 3*time.Second, ed("angry", 0.8, -0.6, 1, event.EmotionUtterance))
	rec(event.Emotion, event.Customer, 4*time.Second, ed("angry", 0.9, -0.7, 2, event.EmotionWindow)) // live cue only
	rec(event.Emotion, event.Customer, 9*time.Second, ed("neutral", 0.2, 0.2, 6, event.EmotionUtterance))
	rec(event.Emotion, event.Agent, 5*time.Second, ed("happy", 0.1, 0.5, 3, event.EmotionUtterance))
	rec(event.Transcript, event.Customer, 5*time.Second, event.TranscriptData{Segment: "c-1", Start: 1, End: 3, Text: "dit klopt niet", Final: true, Lang: "nl", Confidence: 0.9, Source: "integrator"})
	rec(event.Intent, event.Customer, 6*time.Second, map[string]any{"intent": "billing.dispute", "confidence": 0.8})
	rec(event.Hint, "", 7*time.Second, event.HintData{ID: "h1", Rule: "invoice-worry", Title: event.Localized{NL: "Zorg om factuur", EN: "Invoice worry"},
		Priority: event.PriorityHigh, Lang: "nl", Evidence: []event.Evidence{{Kind: event.EvidenceWords, Detail: "klopt niet", T: 2}}})
	rec(event.HintFeedback, "", 8*time.Second, event.HintFeedbackData{Hint: "h1", Rule: "invoice-worry", Rating: event.RatingUseful, Agent: "A17"})
	rec(event.Hint, "", 7*time.Second, map[string]any{"rule": "no id"}) // malformed: counted as failed
	r.Record(event.Raw{Type: event.Emotion, Call: "rec", Body: []byte("{")})
	must(t, r.Close(ctx))
	must(t, r.Close(ctx)) // twice is fine
	r.Record(Marshal(t, event.Emotion, "rec", 99, event.Customer, T0, ed("sad", 0, 0, 50, event.EmotionUtterance)))

	s := r.Stats()
	if s.Written != 8 || s.Failed != 2 || s.Ignored != 1 || s.Dropped != 1 {
		t.Fatalf("stats %+v", s)
	}
	tl, err := st.Timeline(ctx, "rec")
	must(t, err)
	if len(tl.Emotions) != 3 || len(tl.Transcripts) != 1 || len(tl.Intents) != 1 || len(tl.Hints) != 1 || len(tl.Feedback) != 1 {
		t.Fatalf("timeline %+v", tl)
	}
	if tl.Transcripts[0].Text != "dit klopt niet" || tl.Transcripts[0].Segment != "c-1" || tl.Intents[0].Intent != "billing.dispute" ||
		tl.Hints[0].RuleID != "invoice-worry" || tl.Hints[0].Title != "Zorg om factuur" ||
		tl.Feedback[0].Agent != "A17" || !tl.Feedback[0].At.Equal(T0.Add(8*time.Second)) {
		t.Fatalf("timeline fields %+v", tl)
	}
	pts, err := st.Trends(ctx, store.TrendQuery{GroupBy: store.GroupAgent})
	must(t, err)
	want := []store.TrendPoint{{Bucket: T0, Key: "A17", Emotions: 2, MeanArousal: 0.5, MeanValence: -0.2, NegativeShare: 0.5, HintsRaised: 1, HintsUseful: 1}}
	if !trendsEqual(pts, want) {
		t.Fatalf("trends from recorder:\n got %+v\nwant %+v", pts, want)
	}
	rs, err := st.RuleUsefulness(ctx, time.Time{}, time.Time{})
	must(t, err)
	if len(rs) != 1 || rs[0].Useful != 1 {
		t.Fatalf("rules %+v", rs)
	}
}

// blockingStore holds every Write until released, to fill the recorder's queue.
type blockingStore struct {
	store.Store
	release chan struct{}
}

func (b *blockingStore) Write(ctx context.Context, batch *store.Batch) error {
	<-b.release
	return b.Store.Write(ctx, batch)
}

func testRecorderDrops(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	bs := &blockingStore{Store: st, release: make(chan struct{})}
	r := store.NewRecorder(bs, nil, 8)
	ev := func(i int) event.Raw {
		return Marshal(t, event.Emotion, "drop", uint64(i), event.Customer, T0,
			event.EmotionData{Top: "neutral", Kind: event.EmotionUtterance, Start: float64(i), End: float64(i) + 1})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			r.Record(ev(i)) // must never block, even with the writer stuck
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Record blocked while the store was stuck")
	}
	close(bs.release)
	must(t, r.Close(ctx))
	s := r.Stats()
	if s.Dropped == 0 || s.Written+s.Dropped != 1000 || s.Written > 8+MaxInFlight {
		t.Fatalf("stats %+v", s)
	}
	tl, err := st.Timeline(ctx, "drop")
	must(t, err)
	if uint64(len(tl.Emotions)) != s.Written {
		t.Fatalf("%d emotions stored, %d written", len(tl.Emotions), s.Written)
	}
}

// MaxInFlight is how many events the recorder may hold outside its queue (one batch).
const MaxInFlight = store.MaxBatch

func testConcurrent(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("conc-%d", w)
			if err := st.CallStarted(ctx, sampleCall(id, T0.Add(time.Duration(w)*time.Second))); err != nil {
				errs <- err
				return
			}
			for i := range 20 {
				if err := st.Write(ctx, &store.Batch{
					Emotions: []store.EmotionRow{emo(id, "customer", float64(i), "neutral", 0, 0)},
					Trends:   []store.TrendDelta{{Hour: T0, Queue: "q", Emotions: 1}},
				}); err != nil {
					errs <- err
					return
				}
				if _, err := st.ListCalls(ctx, store.CallQuery{Limit: 5}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	pts, err := st.Trends(ctx, store.TrendQuery{})
	must(t, err)
	if len(pts) != 1 || pts[0].Emotions != 80 {
		t.Fatalf("concurrent trend upserts lost updates: %+v", pts)
	}
}
