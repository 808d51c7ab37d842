package audiohook

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// FuzzParse: messages parse or fail cleanly; an open that parses offers media that
// ChooseMedia either accepts as PCMU 8 kHz with known channels or refuses.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":"2","type":"open","seq":1,"id":"e160e428-53e2-487c-977d-96989bf5c99d","position":"PT0S","parameters":{"organizationId":"o","conversationId":"c","participant":{"id":"p","ani":"+1","aniName":"","dnis":"+2"},"media":[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}],"language":"en-US"}}`))
	f.Add([]byte(`{"version":"2","type":"ping","seq":2,"id":"x","parameters":{}}`))
	f.Add([]byte(`{"version":"2","type":"open","seq":1,"id":"x","parameters":{"conversationId":"c","media":[{"type":"audio","format":"PCMU","channels":["internal","internal"],"rate":8000}]}}`))
	f.Add([]byte(`{"event":"start"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		op, err := ParseOpen(m)
		if err != nil {
			return
		}
		md, err := ChooseMedia(op.Media)
		if err != nil {
			return
		}
		ps := Parties(md)
		if md.Rate != 8000 || len(ps) != len(md.Channels) || len(ps) == 0 || (len(ps) == 2 && ps[0] == ps[1]) {
			t.Fatalf("accepted media %+v", md)
		}
	})
}

// FuzzDeinterleave: any frame splits into equal channels or is refused.
func FuzzDeinterleave(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, 2)
	f.Add([]byte{1, 2, 3}, 2)
	f.Add([]byte{}, 1)
	f.Fuzz(func(t *testing.T, frame []byte, n int) {
		out, err := Deinterleave(nil, frame, n)
		if err != nil {
			return
		}
		for c := 0; c < n; c++ {
			if len(out[c])*n != len(frame) {
				t.Fatalf("channel %d has %d of %d bytes", c, len(out[c]), len(frame))
			}
			for i, v := range out[c] {
				if frame[i*n+c] != v {
					t.Fatal("wrong byte")
				}
			}
		}
	})
}

// FuzzSignatureInput: any header parses or fails cleanly, and verification of a fuzzed
// signature never panics nor succeeds by accident.
func FuzzSignatureInput(f *testing.F) {
	f.Add(`sig1=("@request-target" "@authority" "audiohook-session-id" "x-api-key");keyid="k";nonce="n";alg="hmac-sha256";created=1641013200;expires=1641013500`, "sig1=:AAAA:")
	f.Add(`sig1=("@method" "@query");created=x`, "")
	f.Add(`=(`, "sig1=::")
	f.Fuzz(func(t *testing.T, in, sig string) {
		_, _ = ParseSignatureInput(in)
		h := http.Header{}
		h.Set("Signature-Input", in)
		h.Set("Signature", sig)
		h.Set("X-API-KEY", "k")
		h.Set("Audiohook-Session-Id", "s")
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/v1/media/audiohook"}, Host: "h", Header: h}
		v := &Verifier{Secret: []byte("secret")}
		if err := v.Verify(r, time.Unix(1641013210, 0)); err == nil {
			t.Fatalf("fuzzed signature verified: %q %q", in, sig)
		}
	})
}
