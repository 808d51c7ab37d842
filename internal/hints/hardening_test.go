package hints_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/undertone/undertone/internal/hints"
	"github.com/undertone/undertone/internal/store"
)

// Error answers quote at most a short cut of the request: a 10 kB hint id, rating or
// field name does not come back.
func TestFeedbackErrorsDoNotEchoLongInputs(t *testing.T) {
	n := newFBNode(t, hints.FeedbackParams{})
	c, hint := n.openWithHint("call-echo")
	defer c.End("hangup")
	long := strings.Repeat("A", 10_000)
	base := "/v1/calls/call-echo/hints/"
	for _, tc := range []struct{ name, path, body string }{
		{"hint id", base + long + "/feedback", `{"rating":"useful"}`},
		{"rating", base + hint + "/feedback", `{"rating":"` + long[:900] + `"}`},
		{"unknown field", base + hint + "/feedback", `{"` + long[:900] + `":1}`},
	} {
		code, msg := n.post(tc.path, tokA17, tc.body)
		if code < 400 || len(msg) > 300 || strings.Contains(msg, strings.Repeat("A", 65)) {
			t.Errorf("%s: %d, %d-byte answer %.120q", tc.name, code, len(msg), msg)
		}
	}
	if code, _ := n.post(base+hint+"/feedback", tokA17, `{"rating":"useful"}`); code != http.StatusAccepted {
		t.Errorf("a good rating after the bad ones: %d", code)
	}
}

// While the store cannot keep what is accepted, a rating gets 503 with Retry-After, not
// a 202 for a rating that may be lost; when it can again, 202.
func TestFeedbackRefusedWhileStoreCannotWrite(t *testing.T) {
	var full atomic.Bool
	full.Store(true)
	n := newFBNode(t, hints.FeedbackParams{}, func() error {
		if full.Load() {
			return fmt.Errorf("%w (disk full) for 3s, 12 held for retry", store.ErrUnwritable)
		}
		return nil
	})
	c, hint := n.openWithHint("call-full")
	defer c.End("hangup")
	path := "/v1/calls/call-full/hints/" + hint + "/feedback"
	req, _ := http.NewRequest(http.MethodPost, n.srv.URL+path, strings.NewReader(`{"rating":"useful"}`))
	req.Header.Set("Authorization", "Bearer "+tokA17)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("store full: %d %q, want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	full.Store(false)
	if code, msg := n.post(path, tokA17, `{"rating":"useful"}`); code != http.StatusAccepted {
		t.Errorf("store writable again: %d %s", code, msg)
	}
}
