package transcript_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/transcript"
)

const (
	integratorTok = "integrator-test-token"
	agentTok      = "agent-test-token-A17"
	supervisorTok = "supervisor-test-token"
	otherTok      = "integrator-two-token"
)

// sink collects what the calls publish.
type sink struct {
	mu  sync.Mutex
	evs []event.Raw
}

func (s *sink) publish(r event.Raw) { s.mu.Lock(); s.evs = append(s.evs, r); s.mu.Unlock() }

func (s *sink) transcripts(t *testing.T) []event.TranscriptData {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []event.TranscriptData
	for _, r := range s.evs {
		if r.Type != event.Transcript {
			continue
		}
		var e struct {
			Party event.Party          `json:"party"`
			Data  event.TranscriptData `json:"data"`
		}
		if err := json.Unmarshal(r.Body, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Data)
	}
	return out
}

// owner is the test integrator's key: the calls the tests open are its calls.
var owner string

func newAPI(t *testing.T) (*httptest.Server, *call.Registry, *sink, *transcript.Intake) {
	t.Helper()
	sk := &sink{}
	reg := call.NewRegistry(call.Config{Publish: sk.publish})
	tokens, err := auth.ParseTokens("integrator:" + integratorTok + ",agent:" + agentTok + ":A17,supervisor:" + supervisorTok +
		",integrator:" + otherTok)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tokens.Authenticate(integratorTok)
	owner = p.Key()
	h := transcript.New(transcript.Params{Registry: reg})
	s := api.New(api.Params{Metrics: metrics.Discard(), Auth: tokens, Registry: reg, Transcripts: h})
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		_ = reg.Drain(t.Context())
	})
	return srv, reg, sk, h
}

func post(t *testing.T, url, tok, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestTranscriptEndpointErrors(t *testing.T) {
	srv, reg, _, _ := newAPI(t)
	if _, _, err := reg.Open(call.OpenParams{ID: "c1", Source: "test", Owner: owner}); err != nil {
		t.Fatal(err)
	}
	ended, _, _ := reg.Open(call.OpenParams{ID: "gone", Source: "test", Owner: owner})
	ended.End("hangup")
	ok := `{"party":"customer","start":1,"end":2.5,"text":"hallo","final":true,"lang":"nl","confidence":0.9}`
	cases := []struct {
		name, call, tok, body string
		code                  int
		msg                   string
	}{
		{"ok", "c1", integratorTok, ok, 202, `"segment":"customer-1"`},
		{"no token", "c1", "", ok, 401, ""},
		{"agent role", "c1", agentTok, ok, 403, "may not"},
		{"supervisor role", "c1", supervisorTok, ok, 403, "may not"},
		{"another integrator's call", "c1", otherTok, ok, 403, "another integrator"},
		{"unknown call", "nope", integratorTok, ok, 404, "call nope: no live call"},
		{"ended call", "gone", integratorTok, ok, 409, "has ended"},
		{"bad call id", "a%20b", integratorTok, ok, 400, "call id"},
		{"not JSON", "c1", integratorTok, `party=customer`, 400, "malformed JSON"},
		{"truncated", "c1", integratorTok, `{"party":"customer",`, 400, "bad transcript"},
		{"empty body", "c1", integratorTok, ``, 400, "empty body"},
		{"two objects", "c1", integratorTok, ok + ok, 400, "one JSON object"},
		{"unknown field", "c1", integratorTok, `{"party":"customer","start":1,"end":2,"text":"x","is_final":true}`, 400, `unknown field \"is_final\"`},
		{"wrong type", "c1", integratorTok, `{"party":"customer","start":"1","end":2,"text":"x"}`, 400, `field \"start\"`},
		{"bad party", "c1", integratorTok, `{"party":"bot","start":1,"end":2,"text":"x"}`, 400, `party \"bot\"`},
		{"no times", "c1", integratorTok, `{"party":"agent","text":"x"}`, 400, "start and end"},
		{"end before start", "c1", integratorTok, `{"party":"agent","start":3,"end":2,"text":"x"}`, 400, "start ≤ end"},
		{"empty text", "c1", integratorTok, `{"party":"agent","start":1,"end":2,"text":"  "}`, 400, "text is empty"},
		{"bad lang", "c1", integratorTok, `{"party":"agent","start":1,"end":2,"text":"x","lang":"dutch!"}`, 400, "lang"},
		{"bad confidence", "c1", integratorTok, `{"party":"agent","start":1,"end":2,"text":"x","confidence":1.5}`, 400, "confidence"},
		{"contradiction", "c1", integratorTok, `{"party":"agent","start":1,"end":2,"text":"x","final":true,"partial":true}`, 400, "contradict"},
		{"oversize", "c1", integratorTok, `{"party":"agent","start":1,"end":2,"text":"` + strings.Repeat("bla ", 5000) + `"}`, 413, "body over 16384 bytes"},
		{"long text", "c1", integratorTok, `{"party":"agent","start":1,"end":2,"text":"` + strings.Repeat("x", 5000) + `"}`, 400, "at most 4096"},
	}
	for _, c := range cases {
		code, body := post(t, srv.URL+"/v1/calls/"+c.call+"/transcript", c.tok, c.body)
		if code != c.code || !strings.Contains(body, c.msg) {
			t.Errorf("%s: %d %s; want %d with %q", c.name, code, body, c.code, c.msg)
		}
	}
}

func TestTranscriptPartialsFinalsRedaction(t *testing.T) {
	srv, reg, sk, h := newAPI(t)
	c, _, _ := reg.Open(call.OpenParams{ID: "c2", Source: "test", Owner: owner})
	url := srv.URL + "/v1/calls/c2/transcript"
	steps := []string{
		`{"party":"customer","start":1,"end":1.8,"text":"mijn rekening","partial":true,"lang":"nl-NL"}`,
		`{"party":"customer","start":1,"end":2.9,"text":"mijn rekeningnummer is NL91 ABNA 0417 1643 00","final":false,"lang":"nl"}`,
		`{"party":"agent","start":2,"end":2.4,"text":"ja","lang":"nl"}`,
		`{"party":"customer","start":1,"end":3.2,"text":"mijn rekeningnummer is NL91 ABNA 0417 1643 00 en bel me op 06 12345678","final":true,"lang":"nl","confidence":0.82}`,
		`{"party":"customer","start":4,"end":5,"text":"dank u","final":true,"lang":"nl"}`,
		`{"party":"customer","start":6,"end":7,"text":"hoi","final":true,"segment":"ext-77"}`,
	}
	for _, s := range steps {
		if code, body := post(t, url, integratorTok, s); code != 202 {
			t.Fatalf("%s: %d %s", s, code, body)
		}
	}
	got := sk.transcripts(t)
	want := []struct {
		seg   string
		final bool
		text  string
		red   int
	}{
		{"customer-1", false, "mijn rekening", 0},
		{"customer-1", false, "mijn rekeningnummer is [IBAN]", 1},
		{"agent-1", true, "ja", 0},
		{"customer-1", true, "mijn rekeningnummer is [IBAN] en bel me op [PHONE]", 2},
		{"customer-2", true, "dank u", 0},
		{"ext-77", true, "hoi", 0},
	}
	if len(got) != len(want) {
		t.Fatalf("%d transcript events: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Segment != w.seg || g.Final != w.final || g.Text != w.text || g.Redacted != w.red || g.Source != "integrator" {
			t.Errorf("event %d: %+v, want %+v", i, g, w)
		}
	}
	if got[0].Lang != "nl" || got[3].Confidence != 0.82 || got[3].Start != 1 || got[3].End != 3.2 {
		t.Errorf("fields: %+v / %+v", got[0], got[3])
	}
	if h.OpenSegments() != 2 {
		t.Fatalf("open states %d", h.OpenSegments())
	}
	c.End("hangup")
	if h.OpenSegments() != 0 {
		t.Fatalf("segment state kept after the call ended: %d", h.OpenSegments())
	}
}
