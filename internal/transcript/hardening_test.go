package transcript_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/undertone/undertone/internal/api"
	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/call"
	"github.com/undertone/undertone/internal/metrics"
	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/transcript"
)

// Error answers quote at most a short cut of the request: 10 kB of input in a field, a
// field name or a header does not come back.
func TestErrorsDoNotEchoLongInputs(t *testing.T) {
	srv, reg, _, _ := newAPI(t)
	if _, _, err := reg.Open(call.OpenParams{ID: "c1", Source: "test"}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("A", 10_000)
	u := srv.URL + "/v1/calls/c1/transcript"
	for name, body := range map[string]string{
		"party":         `{"party":"` + long + `","start":1,"end":2,"text":"x"}`,
		"lang":          `{"party":"customer","start":1,"end":2,"text":"x","lang":"` + long + `"}`,
		"segment":       `{"party":"customer","start":1,"end":2,"text":"x","segment":"` + long + `"}`,
		"unknown field": `{"` + long + `":1}`,
	} {
		code, msg := post(t, u, integratorTok, body)
		if code != http.StatusBadRequest || len(msg) > 300 || strings.Contains(msg, strings.Repeat("A", 65)) {
			t.Errorf("%s: %d, %d-byte answer %.120q", name, code, len(msg), msg)
		}
	}
	req, _ := http.NewRequest("POST", u, strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+integratorTok)
	req.Header.Set("Content-Type", "text/"+long)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType || res.ContentLength > 300 {
		t.Errorf("long content type: %d, %d bytes", res.StatusCode, res.ContentLength)
	}
}

// While the store cannot keep what is accepted, a transcript gets 503 with Retry-After,
// not a 202 for a line that may be lost; when it can again, 202.
func TestTranscriptRefusedWhileStoreCannotWrite(t *testing.T) {
	sk := &sink{}
	reg := call.NewRegistry(call.Config{Publish: sk.publish})
	tokens, err := auth.ParseTokens("integrator:" + integratorTok)
	if err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	full.Store(true)
	s := api.New(api.Params{Metrics: metrics.Discard(), Auth: tokens, Registry: reg,
		Transcripts: transcript.New(transcript.Params{Registry: reg}), Writable: func() error {
			if full.Load() {
				return fmt.Errorf("%w (disk full) for 3s, 12 held for retry", store.ErrUnwritable)
			}
			return nil
		}})
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer func() { _ = reg.Drain(t.Context()) }()
	p, _ := tokens.Authenticate(integratorTok)
	if _, _, err := reg.Open(call.OpenParams{ID: "c1", Source: "test", Owner: p.Key()}); err != nil {
		t.Fatal(err)
	}
	body := `{"party":"customer","start":1,"end":2,"text":"hallo"}`
	req, _ := http.NewRequest("POST", srv.URL+"/v1/calls/c1/transcript", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+integratorTok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "disk full") {
		t.Errorf("store full: %d %q %s, want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	if n := len(sk.transcripts(t)); n != 0 {
		t.Errorf("%d transcripts emitted while refused", n)
	}
	full.Store(false)
	if code, msg := post(t, srv.URL+"/v1/calls/c1/transcript", integratorTok, body); code != http.StatusAccepted {
		t.Errorf("store writable again: %d %s", code, msg)
	}
}
