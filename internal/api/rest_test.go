package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/store"
)

// ids lists the call ids of a GET /v1/calls answer.
func ids(t *testing.T, body string) []string {
	t.Helper()
	var out struct {
		Calls []struct {
			ID string `json:"id"`
		} `json:"calls"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var s []string
	for _, c := range out.Calls {
		s = append(s, c.ID)
	}
	return s
}

func TestCallSearchScopeAndFilters(t *testing.T) {
	n := newNode(t)
	for _, c := range []struct {
		path, who string
		want      []string
	}{
		{"/v1/calls", "admin", []string{"c-b02", "c-a17"}}, // newest first
		{"/v1/calls", "agent-A17", []string{"c-a17"}},
		{"/v1/calls", "agent-B02", []string{"c-b02"}},
		{"/v1/calls", "sup-red", []string{"c-a17"}},
		{"/v1/calls", "sup-blue", []string{"c-b02"}},
		{"/v1/calls", "agent-unbound", []string{"c-b02", "c-a17"}},
		{"/v1/calls?team=red", "admin", []string{"c-a17"}},
		{"/v1/calls?queue=sales", "admin", []string{"c-b02"}},
		{"/v1/calls?agent=A17", "admin", []string{"c-a17"}},
		{"/v1/calls?state=ended", "admin", []string{"c-b02", "c-a17"}},
		{"/v1/calls?state=live", "admin", nil},
		{"/v1/calls?q=A17", "admin", []string{"c-a17"}},
		{"/v1/calls?from=" + time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "admin", nil},
		{"/v1/calls?to=" + time.Now().UTC().Format(time.RFC3339), "admin", []string{"c-b02", "c-a17"}},
	} {
		code, body := n.get(c.path, c.who)
		if got := ids(t, body); code != 200 || !slices.Equal(got, c.want) {
			t.Errorf("%s as %s: %d %v, want %v", c.path, c.who, code, got, c.want)
		}
	}
	// The listing keeps the fields the pages and tools read.
	_, body := n.get("/v1/calls?agent=A17", "admin")
	for _, f := range []string{`"id":"c-a17"`, `"state":"ended"`, `"parties":["customer","agent"]`, `"started_at":`,
		`"ended_at":`, `"agent":"A17"`, `"team":"red"`, `"queue":"billing"`} {
		if !strings.Contains(body, f) {
			t.Errorf("listing lacks %s: %s", f, body)
		}
	}
	// Paging: a full page carries next_cursor.
	_, body = n.get("/v1/calls?limit=1", "admin")
	var page struct {
		Next string `json:"next_cursor"`
	}
	_ = json.Unmarshal([]byte(body), &page)
	if got := ids(t, body); !slices.Equal(got, []string{"c-b02"}) || page.Next != "1" {
		t.Fatalf("page 1: %s", body)
	}
	if _, body = n.get("/v1/calls?limit=1&cursor="+page.Next, "admin"); !slices.Equal(ids(t, body), []string{"c-a17"}) {
		t.Errorf("page 2: %s", body)
	}
}

func TestBadParametersAreNamed(t *testing.T) {
	n := newNode(t)
	for _, c := range []struct {
		path, who string
		code      int
		names     string
	}{
		{"/v1/calls?state=open", "admin", 400, "state"},
		{"/v1/calls?limit=0", "admin", 400, "limit"},
		{"/v1/calls?limit=abc", "admin", 400, "limit"},
		{"/v1/calls?cursor=-1", "admin", 400, "cursor"},
		{"/v1/calls?from=yesterday", "admin", 400, "from"},
		{"/v1/calls?from=2026-11-22&to=2026-11-21", "admin", 400, "to"},
		{"/v1/calls?from=0001-01-01", "admin", 400, "from"},
		{"/v1/calls?tema=red", "admin", 400, "tema"},
		{"/v1/calls?agent=" + strings.Repeat("x", 65), "admin", 400, "agent"},
		{"/v1/calls?agent=B02", "agent-A17", 403, "own"},
		{"/v1/calls?team=blue", "sup-red", 403, "blue"},
		{"/v1/calls/a%20b", "admin", 400, "id"},
		{"/v1/calls/nope", "admin", 404, "nope"},
		{"/v1/calls/nope/timeline", "admin", 404, "nope"},
		{"/v1/calls/c-a17/timeline?x=1", "admin", 400, "x"},
		{"/v1/calls/c-a17/export?format=xml", "admin", 400, "format"},
		{"/v1/calls/export?format=xls", "admin", 400, "format"},
		{"/v1/calls/export?limit=0", "admin", 400, "limit"},
		{"/v1/trends?bucket=week", "admin", 400, "bucket"},
		{"/v1/trends?by=region", "admin", 400, "by"},
		{"/v1/trends?from=2025-01-01&to=2026-11-01", "admin", 400, "from"},
		{"/v1/trends?bucket=hour&from=2026-01-01&to=2026-03-01", "admin", 400, "from"},
		{"/v1/trends?team=blue", "sup-red", 403, "blue"},
		{"/v1/hints/usefulness?from=x", "admin", 400, "from"},
		{"/v1/hints/usefulness?since=2026-01-01", "admin", 400, "since"},
	} {
		code, body := n.get(c.path, c.who)
		if code != c.code || !strings.Contains(body, c.names) {
			t.Errorf("%s as %s: %d %s, want %d naming %q", c.path, c.who, code, strings.TrimSpace(body), c.code, c.names)
		}
	}
}

// seedTimeline stores a course for c-a17: emotions, a transcript that looks like a
// spreadsheet formula, an intent, a hint with two ratings, and trend buckets per team.
func seedTimeline(t *testing.T, st store.Store) time.Time {
	t.Helper()
	at := time.Now().UTC().Add(-90 * time.Minute).Truncate(time.Second)
	b := &store.Batch{
		Emotions: []store.EmotionRow{{CallID: "c-a17", Party: "customer", TStart: 1, TEnd: 2.5, Top: "angry",
			Probs: map[string]float64{"angry": 0.7, "neutral": 0.3}, Arousal: 0.8, Valence: -0.6, Confidence: 0.7, At: at}},
		Transcripts: []store.TranscriptRow{{CallID: "c-a17", Party: "customer", Segment: "s1", Start: 1, End: 2.5,
			Text: "=SUM(A1) my bill is wrong", Final: true, Lang: "en", Confidence: 0.9, Source: "integrator", At: at}},
		Intents: []store.IntentRow{{CallID: "c-a17", Party: "customer", T: 2.5, Intent: "billing_dispute", Confidence: 0.8,
			Payload: json.RawMessage(`{"intent":"billing_dispute"}`), At: at}},
		Hints: []store.HintRow{{CallID: "c-a17", ID: "h1", RuleID: "acknowledge-anger", Title: "Acknowledge the frustration",
			Payload: json.RawMessage(`{"phrasing":"I understand"}`), At: at}},
		Feedback: []store.FeedbackRow{{CallID: "c-a17", HintID: "h1", Rating: store.Useful, Agent: "A17", At: at.Add(time.Second)}},
		Trends: []store.TrendDelta{
			{Hour: at, Team: "red", Queue: "billing", Agent: "A17", Calls: 1, Emotions: 4, ArousalSum: 2, ValenceSum: -1, Negative: 2, HintsRaised: 1, HintsUseful: 1},
			{Hour: at, Team: "blue", Queue: "sales", Agent: "B02", Calls: 3, Emotions: 2, ArousalSum: 1, ValenceSum: 1},
		},
	}
	if err := st.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return at
}

func TestTimelineAndCallExport(t *testing.T) {
	n := newNode(t)
	seedTimeline(t, n.st)
	code, body := n.get("/v1/calls/c-a17/timeline", "agent-A17")
	if code != 200 {
		t.Fatalf("timeline: %d %s", code, body)
	}
	var tl timelineJSON
	if err := json.Unmarshal([]byte(body), &tl); err != nil {
		t.Fatal(err)
	}
	if tl.Call.ID != "c-a17" || len(tl.Emotions) != 1 || tl.Emotions[0].Top != "angry" || len(tl.Transcripts) != 1 ||
		len(tl.Intents) != 1 || len(tl.Hints) != 1 || len(tl.Hints[0].Feedback) != 1 || tl.Hints[0].Feedback[0].Rating != "useful" {
		t.Fatalf("timeline: %+v", tl)
	}

	code, body, hdr := n.do(http.MethodGet, "/v1/calls/c-a17/export?format=csv", "sup-red", "", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") ||
		hdr.Get("Content-Disposition") != `attachment; filename="call-c-a17.csv"` {
		t.Fatalf("csv export: %d %v", code, hdr)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, r := range rows[1:] {
		kinds[r[0]] = r
	}
	if len(rows) != 6 || rows[0][0] != "kind" || kinds["emotion"][4] != "angry" || kinds["feedback"][5] != "useful" {
		t.Errorf("csv rows: %q", rows)
	}
	if got := kinds["transcript"][7]; got != "'=SUM(A1) my bill is wrong" {
		t.Errorf("transcript cell %q: a formula must be defused", got)
	}
	code, body, _ = n.do(http.MethodGet, "/v1/calls/c-a17/export?format=json", "admin", "", "")
	if code != 200 || !json.Valid([]byte(body)) || !strings.Contains(body, `"rule_id":"acknowledge-anger"`) {
		t.Errorf("json export: %d %s", code, body)
	}
}

func TestTrendsAndUsefulness(t *testing.T) {
	n := newNode(t)
	seedTimeline(t, n.st)
	type resp struct {
		Bucket string `json:"bucket"`
		Points []struct {
			Key      string  `json:"key"`
			Calls    int64   `json:"calls"`
			Negative float64 `json:"negative_share"`
		} `json:"points"`
	}
	get := func(path, who string) resp {
		t.Helper()
		code, body := n.get(path, who)
		if code != 200 {
			t.Fatalf("%s as %s: %d %s", path, who, code, body)
		}
		var r resp
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	all := get("/v1/trends?bucket=day&by=team", "admin")
	keys := map[string]int64{}
	for _, p := range all.Points {
		keys[p.Key] += p.Calls
	}
	// Each team: its ended call (the store counts it when it ends) plus the seeded bucket.
	if all.Bucket != "day" || keys["red"] != 2 || keys["blue"] != 4 {
		t.Errorf("admin by team: %+v", all)
	}
	sum := func(r resp, key string) (calls int64, negative bool) {
		for _, p := range r.Points {
			if p.Key != key {
				t.Errorf("point of %q in a %q-only answer: %+v", p.Key, key, r)
			}
			calls += p.Calls
			negative = negative || p.Negative == 0.5
		}
		return calls, negative
	}
	if calls, neg := sum(get("/v1/trends?bucket=hour&by=team", "sup-red"), "red"); calls != 2 || !neg {
		t.Errorf("sup-red by team: %d calls, negative share seen %v", calls, neg)
	}
	if calls, _ := sum(get("/v1/trends?by=agent&team=red", "sup-red"), "A17"); calls != 2 {
		t.Errorf("sup-red by agent: %d calls", calls)
	}

	code, body := n.get("/v1/hints/usefulness", "sup-blue")
	var u struct {
		Rules []ruleJSON `json:"rules"`
	}
	_ = json.Unmarshal([]byte(body), &u)
	if code != 200 || len(u.Rules) != 1 || u.Rules[0].RuleID != "acknowledge-anger" || u.Rules[0].Raised != 1 ||
		u.Rules[0].Useful != 1 || u.Rules[0].UsefulShare != 1 {
		t.Errorf("usefulness: %d %s", code, body)
	}
}

func TestCallListExport(t *testing.T) {
	n := newNode(t)
	code, body, hdr := n.do(http.MethodGet, "/v1/calls/export", "agent-A17", "", "")
	if code != 200 || hdr.Get("Content-Disposition") != `attachment; filename="calls.csv"` {
		t.Fatalf("export: %d %v", code, hdr)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "id" || rows[1][0] != "c-a17" || rows[1][8] != "90" {
		t.Errorf("agent's export: %q", rows)
	}
	code, body, _ = n.do(http.MethodGet, "/v1/calls/export?format=json&limit=1", "admin", "", "")
	var out struct {
		Calls     []callJSON `json:"calls"`
		Count     int        `json:"count"`
		Truncated bool       `json:"truncated"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || code != 200 {
		t.Fatalf("json export: %d %v %s", code, err, body)
	}
	if out.Count != 1 || len(out.Calls) != 1 || !out.Truncated {
		t.Errorf("limit=1 export: %+v", out)
	}
	_, body, _ = n.do(http.MethodGet, "/v1/calls/export?format=json", "admin", "", "")
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Count != 2 || out.Truncated {
		t.Errorf("full export: %v %s", err, body)
	}
}
