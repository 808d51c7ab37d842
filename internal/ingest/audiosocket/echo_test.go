package audiosocket_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/server/servertest"
)

// A refused binding quotes at most a short cut of the request back.
func TestBindingErrorsDoNotEchoLongInputs(t *testing.T) {
	n := servertest.New(t, enable)
	long := strings.Repeat("A", 3000) // the body is read up to 4 kB
	for name, body := range map[string]string{
		"unknown field": `{"` + long + `":1}`,
		"call id":       `{"uuid":"` + newUUID() + `","call":"` + long + `","party":"customer"}`,
		"party":         `{"uuid":"` + newUUID() + `","call":"c1","party":"` + long + `"}`,
	} {
		req, _ := http.NewRequest(http.MethodPost, n.URL()+"/v1/audiosocket/bindings", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+servertest.IntegratorToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || len(b) > 300 || strings.Contains(string(b), strings.Repeat("A", 65)) {
			t.Errorf("%s: %d, %d-byte answer %.120q", name, res.StatusCode, len(b), b)
		}
	}
}
