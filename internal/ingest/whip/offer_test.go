package whip

import (
	"errors"
	"strings"
	"testing"

	"github.com/undertone/undertone/internal/event"
)

const audioOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"

func TestCheckOffer(t *testing.T) {
	two := audioOffer + strings.Replace(audioOffer[strings.Index(audioOffer, "m=audio"):], "mid:0", "mid:1", 1)
	three := two + audioOffer[strings.Index(audioOffer, "m=audio"):]
	video := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n"
	recvonly := strings.Replace(audioOffer, "a=sendonly", "a=recvonly", 1)
	for _, c := range []struct {
		name, sdp string
		party     event.Party
		ok        bool
	}{
		{"one audio", audioOffer, "", true},
		{"one audio with party", audioOffer, event.Agent, true},
		{"two audio", two, "", true},
		{"two audio with party", two, event.Customer, false},
		{"three audio", three, "", false},
		{"video only", video, "", false},
		{"recvonly audio", recvonly, "", false},
		{"garbage", "hello", "", false},
		{"empty", "", "", false},
	} {
		_, err := checkOffer([]byte(c.sdp), c.party)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrOffer) {
			t.Errorf("%s: error %v does not wrap ErrOffer", c.name, err)
		}
	}
}

// FuzzCheckOffer: any bytes from the network either parse into an offer we accept or
// give ErrOffer — never a panic.
func FuzzCheckOffer(f *testing.F) {
	f.Add([]byte(audioOffer))
	f.Add([]byte("v=0\r\nm=audio 0 RTP/AVP 0\r\n"))
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 9 x\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := checkOffer(b, ""); err != nil && !errors.Is(err, ErrOffer) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
