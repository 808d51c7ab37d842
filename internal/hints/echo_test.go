package hints

import (
	"net/http"
	"strings"
	"testing"
)

// Error answers quote at most a short cut of the request: a 10 kB hint id, rating or
// field name does not come back.
func TestFeedbackErrorsDoNotEchoLongInputs(t *testing.T) {
	n := newFBNode(t, FeedbackParams{})
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
		if code < 400 || len(msg) > 300 || strings.Contains(msg, strings.Repeat("A", 100)) {
			t.Errorf("%s: %d, %d-byte answer %.120q", tc.name, code, len(msg), msg)
		}
	}
	if code, _ := n.post(base+hint+"/feedback", tokA17, `{"rating":"useful"}`); code != http.StatusAccepted {
		t.Errorf("a good rating after the bad ones: %d", code)
	}
}
