package transcript

import (
	"net/http"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/call"
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
		if code != http.StatusBadRequest || len(msg) > 300 || strings.Contains(msg, strings.Repeat("A", 100)) {
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
