package audiohook

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// Signature errors (sent back in the 401) quote at most a short cut of a component name.
func TestSignatureErrorsDoNotEchoLongInputs(t *testing.T) {
	r := httptest.NewRequest("GET", "/v1/media/audiohook", nil)
	long := strings.Repeat("A", 5000)
	for _, comp := range []string{"@" + long, "x-" + long} {
		_, err := SignatureBase(r, SigInput{Components: []string{comp}})
		if err == nil || len(err.Error()) > 200 {
			t.Errorf("component of %d bytes: %.120v (%d bytes)", len(comp), err, len(err.Error()))
		}
	}
}
