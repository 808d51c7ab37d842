package whip_test

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/server/servertest"
)

func postOffer(t *testing.T, n *servertest.Node, query, offer string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, n.URL()+"/v1/whip?"+query, strings.NewReader(offer))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+servertest.IntegratorToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

func deleteSession(t *testing.T, n *servertest.Node, loc string) {
	req, _ := http.NewRequest(http.MethodDelete, n.URL()+loc, nil)
	req.Header.Set("Authorization", "Bearer "+servertest.IntegratorToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// Offers as other stacks write them, answered without a GStreamer or browser at hand:
// webrtcbin's bundle-policy=none offer (captured from GStreamer 1.22, testdata) is answered
// with its audio accepted and no BUNDLE group; an offer in no codec we decode, and two
// unbundled sections, get a 400 that says why instead of a 201 with m=audio 0.
func TestOffersFromOtherStacks(t *testing.T) {
	n := servertest.New(t)
	raw, err := os.ReadFile("testdata/webrtcbin_bundle_none.sdp")
	if err != nil {
		t.Fatal(err)
	}
	webrtcbin := string(raw)
	if strings.Contains(webrtcbin, "a=group:BUNDLE") || !strings.Contains(webrtcbin, "a=mid:audio0") {
		t.Fatal("testdata offer is not webrtcbin's unbundled one")
	}
	code, answer, loc := postOffer(t, n, "call=interop-nobundle&party=customer", webrtcbin)
	if code != http.StatusCreated {
		t.Fatalf("webrtcbin's unbundled offer: %d %s", code, answer)
	}
	if !strings.Contains(answer, "m=audio 9 ") || strings.Contains(answer, "a=group:BUNDLE") || !strings.Contains(answer, "a=mid:audio0") {
		t.Errorf("answer to an unbundled offer:\n%s", answer)
	}
	deleteSession(t, n, loc)

	g722 := strings.NewReplacer("UDP/TLS/RTP/SAVPF 111", "UDP/TLS/RTP/SAVPF 9 96",
		"a=rtpmap:111 OPUS/48000/2", "a=rtpmap:9 G722/8000\r\na=rtpmap:96 AMR-WB/16000").Replace(webrtcbin)
	code, body, _ := postOffer(t, n, "call=interop-g722&party=customer", g722)
	if code != http.StatusBadRequest || !strings.Contains(body, "g722/8000") || !strings.Contains(body, "opus/48000") {
		t.Errorf("offer in G.722 and AMR-WB only: %d %q, want 400 naming offered and supported codecs", code, body)
	}

	m := webrtcbin[strings.Index(webrtcbin, "m=audio"):]
	two := webrtcbin + strings.Replace(m, "a=mid:audio0", "a=mid:audio1", 1)
	code, body, _ = postOffer(t, n, "call=interop-two", two)
	if code != http.StatusBadRequest || !strings.Contains(body, "BUNDLE") {
		t.Errorf("two unbundled audio sections: %d %q, want 400 saying to bundle", code, body)
	}
	// The accepted session's call ended on DELETE; a refused offer leaves no call behind.
	deadline := time.Now().Add(3 * time.Second)
	for n.Registry.Live() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if l := n.Registry.Live(); l > 0 {
		t.Errorf("%d calls live after the refused offers", l)
	}
}
