package hints_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/hub"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/sqlite"
	"github.com/undertone/undertone/models"
)

const (
	tokA17   = "agent-token-a17"
	tokB02   = "agent-token-b02"
	tokSup   = "supervisor-red"
	tokBlue  = "supervisor-blue"
	tokInteg = "integrator-tok"
)

// fbNode is an API server with the hint engine as the registry's joiner, the feedback
// route mounted by internal/api as serve mounts it, and a real SQLite store fed by the store's Recorder.
type fbNode struct {
	t     *testing.T
	srv   *httptest.Server
	reg   *call.Registry
	e     *hints.Engine
	st    store.Store
	rec   *store.Recorder
	mu    sync.Mutex
	now   time.Time // the engine's clock: tests move it past the feedback window
	raws  []event.Raw
	fresh chan struct{}
}

// newFBNode starts the node; writable, if given, is the store's Writable the write APIs ask.
func newFBNode(t *testing.T, p hints.FeedbackParams, writable ...func() error) *fbNode {
	t.Helper()
	n := &fbNode{t: t, now: time.Now(), fresh: make(chan struct{}, 1)}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	n.st = st
	n.rec = store.NewRecorder(st, nil, 0)
	pbs, err := hints.LoadFS(models.FS, "playbooks")
	if err != nil {
		t.Fatal(err)
	}
	n.e, err = hints.New(hints.Config{Playbooks: pbs, Now: func() time.Time { n.mu.Lock(); defer n.mu.Unlock(); return n.now }})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	m := metrics.New()
	h := hub.New(hub.Config{}, log, m)
	n.reg = call.NewRegistry(call.Config{Log: log, Metrics: m, Recorder: store.ForRegistry(st),
		Joiners: []call.CallAnalyzerFactory{n.e.Factory()},
		Publish: func(r event.Raw) {
			h.Publish(r)
			n.rec.Record(r)
			n.mu.Lock()
			n.raws = append(n.raws, r)
			n.mu.Unlock()
			select {
			case n.fresh <- struct{}{}:
			default:
			}
		}})
	static, err := auth.ParseTokens("agent:" + tokA17 + ":A17,agent:" + tokB02 + ":B02,supervisor:" + tokSup + "::red," +
		"supervisor:" + tokBlue + "::blue,integrator:" + tokInteg)
	if err != nil {
		t.Fatal(err)
	}
	ap := api.Params{Log: log, Metrics: m, Auth: static, Registry: n.reg, Hub: h, DB: st,
		Ratings: hints.NewFeedback(n.e, p)}
	if len(writable) > 0 {
		ap.Writable = writable[0]
	}
	s := api.New(ap)
	n.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		n.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.reg.Drain(ctx)
		_ = n.rec.Close(ctx)
		_ = h.Close(ctx)
		st.Close()
	})
	return n
}

// await returns the first published event of type typ after skip events, waiting for
// the joiner goroutine.
func (n *fbNode) await(typ string, skip int) (event.Raw, int) {
	n.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		n.mu.Lock()
		for i := skip; i < len(n.raws); i++ {
			if n.raws[i].Type == typ {
				r := n.raws[i]
				n.mu.Unlock()
				return r, i + 1
			}
		}
		n.mu.Unlock()
		select {
		case <-n.fresh:
		case <-deadline:
			n.t.Fatalf("no %s event", typ)
		}
	}
}

func (n *fbNode) post(path, tok, body string) (int, string) {
	n.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, n.srv.URL+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// openWithHint starts a call of agent A17 in team red and has the customer say what the
// energy playbook hints on; it returns the call and the hint's id.
func (n *fbNode) openWithHint(id string) (*call.Call, string) {
	n.t.Helper()
	c, _, err := n.reg.Open(call.OpenParams{ID: id, Source: "test", Agent: "A17",
		Meta: map[string]string{"team": "red", "playbook": "energy"}})
	if err != nil {
		n.t.Fatal(err)
	}
	c.Emit(event.Customer, 6*time.Second, &event.TranscriptData{Segment: "customer-1", Start: 3, End: 6,
		Text: "ik kan het niet betalen deze maand", Final: true, Lang: "nl", Source: event.TranscriptSourceIntegrator, Confidence: 0.9})
	// The intent stage's reading of it: a high-priority hint needs the customer's state
	// (here the need), not the words alone.
	c.Emit(event.Customer, 6*time.Second, &event.IntentData{Intent: "payment_problem", Confidence: 0.8,
		Lang: "nl", Segment: "customer-1", Needs: []event.NeedScore{{ID: "financial_strain", Confidence: 0.8}}})
	raw, _ := n.await(event.Hint, 0)
	var ev struct{ Data event.HintData }
	if err := json.Unmarshal(raw.Body, &ev); err != nil || ev.Data.Rule != "energy.payment_trouble_arrangement" {
		n.t.Fatalf("hint %s (%v)", raw.Body, err)
	}
	return c, ev.Data.ID
}

func feedbackOf(t *testing.T, raw event.Raw) event.HintFeedbackData {
	t.Helper()
	var ev struct {
		Party string
		Data  event.HintFeedbackData
	}
	if err := json.Unmarshal(raw.Body, &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Data
}

func TestFeedback(t *testing.T) {
	n := newFBNode(t, hints.FeedbackParams{})
	c, hint := n.openWithHint("call-1")
	path := "/v1/calls/call-1/hints/" + hint + "/feedback"

	code, body := n.post(path, tokA17, `{"rating":"useful","comment":"goed, IBAN NL91ABNA0417164300 klopte"}`)
	if code != http.StatusAccepted || !strings.Contains(body, `"rule":"energy.payment_trouble_arrangement"`) {
		t.Fatalf("agent's rating: %d %s", code, body)
	}
	raw, next := n.await(event.HintFeedback, 0)
	fb := feedbackOf(t, raw)
	if raw.Call != "call-1" || fb.Hint != hint || fb.Rule != "energy.payment_trouble_arrangement" || fb.Rating != "useful" ||
		fb.Agent != "A17" || fb.By == "" || strings.Contains(fb.Comment, "0417164300") || !strings.HasPrefix(fb.Comment, "goed") {
		t.Errorf("feedback event %s", raw.Body)
	}

	for _, c := range []struct {
		name, path, tok, body string
		code                  int
		has                   string
	}{
		{"no token", path, "", `{"rating":"useful"}`, 401, ""},
		{"integrator", path, tokInteg, `{"rating":"useful"}`, 403, "may not"},
		{"another agent", path, tokB02, `{"rating":"useful"}`, 403, "not assigned"},
		{"supervisor of another team", path, tokBlue, `{"rating":"useful"}`, 403, "teams"},
		{"unknown call", "/v1/calls/no-such-call/hints/" + hint + "/feedback", tokA17, `{"rating":"useful"}`, 404, "no call"},
		{"unknown hint", "/v1/calls/call-1/hints/9-energy.long_silence/feedback", tokA17, `{"rating":"useful"}`, 404, "no hint"},
		{"not a hint id", "/v1/calls/call-1/hints/banana/feedback", tokA17, `{"rating":"useful"}`, 404, "no hint"},
		{"bad rating", path, tokA17, `{"rating":"great"}`, 400, `field "rating": "great"`},
		{"no rating", path, tokA17, `{"comment":"x"}`, 400, `field "rating" is required`},
		{"rating not a string", path, tokA17, `{"rating":5}`, 400, `field "rating"`},
		{"unknown field", path, tokA17, `{"rating":"used","stars":5}`, 400, "stars"},
		{"empty body", path, tokA17, ``, 400, "empty body"},
		{"comment too long", path, tokA17, `{"rating":"used","comment":"` + strings.Repeat("x", 1001) + `"}`, 400, `field "comment"`},
	} {
		code, body := n.post(c.path, c.tok, c.body)
		var e struct{ Error string }
		if json.Unmarshal([]byte(body), &e) == nil && e.Error != "" {
			body = e.Error
		}
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, code, strings.TrimSpace(body), c.code, c.has)
		}
	}

	if code, body := n.post(path, tokSup, `{"rating":"not_useful"}`); code != 202 {
		t.Fatalf("supervisor of the call's team: %d %s", code, body)
	}
	raw, next = n.await(event.HintFeedback, next)
	if fb := feedbackOf(t, raw); fb.Rating != "not_useful" || fb.Agent != "" || fb.By != "supervisor#3" {
		t.Errorf("supervisor's feedback %s", raw.Body)
	}

	// After the call: agents rate during wrap-up, within the feedback window.
	c.End("hangup")
	_, afterEnd := n.await(event.CallEnded, 0)
	if code, body := n.post(path, tokA17, `{"rating":"used"}`); code != 202 {
		t.Fatalf("rating after the call ended: %d %s", code, body)
	}
	raw, _ = n.await(event.HintFeedback, max(next, afterEnd))
	if fb := feedbackOf(t, raw); fb.Rating != "used" {
		t.Errorf("feedback after the end %s", raw.Body)
	}

	// Stored by the Recorder, counted per rule for supervisors.
	ctx := context.Background()
	if err := n.rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	stats, err := n.st.RuleUsefulness(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].RuleID != "energy.payment_trouble_arrangement" || stats[0].Raised != 1 ||
		stats[0].Useful != 1 || stats[0].NotUseful != 1 || stats[0].Used != 1 {
		t.Errorf("usefulness %+v", stats)
	}

	// Past the window the ledger forgets the call: 410, and its memory is freed.
	n.mu.Lock()
	n.now = n.now.Add(11 * time.Minute)
	n.mu.Unlock()
	if code, body := n.post(path, tokA17, `{"rating":"used"}`); code != http.StatusGone || !strings.Contains(body, "no longer") {
		t.Errorf("after the window: %d %s", code, body)
	}
	if n.e.CallsHeld() != 0 {
		t.Errorf("ledger still holds %d calls", n.e.CallsHeld())
	}
}

func TestFeedbackRatingsPerHintBounded(t *testing.T) {
	n := newFBNode(t, hints.FeedbackParams{MaxRatings: 2})
	_, hint := n.openWithHint("call-2")
	path := "/v1/calls/call-2/hints/" + hint + "/feedback"
	for i, want := range []int{202, 202, 429} {
		if code, body := n.post(path, tokA17, `{"rating":"useful"}`); code != want {
			t.Errorf("rating %d: %d %s, want %d", i+1, code, body, want)
		}
	}
}
