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

func TestOfferCodecs(t *testing.T) {
	for _, c := range []struct {
		name, formats, rtpmaps string
		ok                     bool
	}{
		{"opus", "111", "a=rtpmap:111 opus/48000/2\r\n", true},
		{"static PCMA without rtpmap", "8", "", true},
		{"OPUS upper case", "111", "a=rtpmap:111 OPUS/48000/2\r\n", true},
		{"G.722 only", "9", "a=rtpmap:9 G722/8000\r\n", false},
		{"opus at 16 kHz", "100", "a=rtpmap:100 opus/16000\r\n", false},
		{"dynamic type without rtpmap", "101", "", false},
	} {
		offer := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF " + c.formats +
			"\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n" + c.rtpmaps
		_, err := checkOffer([]byte(offer), "")
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && (!errors.Is(err, ErrOffer) || !strings.Contains(err.Error(), "supported opus/48000")) {
			t.Errorf("%s: error %v does not say what is supported", c.name, err)
		}
	}
}

// A single unbundled section gains a BUNDLE group of its mid (line endings kept); bundled
// offers, several sections and a section without a mid are left alone; the answer loses
// the group again.
func TestBundleSingle(t *testing.T) {
	lf := strings.ReplaceAll(audioOffer, "\r\n", "\n")
	two := audioOffer + strings.Replace(audioOffer[strings.Index(audioOffer, "m=audio"):], "mid:0", "mid:1", 1)
	noMid := strings.Replace(audioOffer, "a=mid:0\r\n", "", 1)
	bundled := strings.Replace(audioOffer, "t=0 0\r\n", "t=0 0\r\na=group:BUNDLE 0\r\n", 1)
	for _, c := range []struct {
		name, sdp, want string
	}{
		{"single CRLF", audioOffer, strings.Replace(audioOffer, "\r\nm=audio", "\r\na=group:BUNDLE 0\r\nm=audio", 1)},
		{"single LF", lf, strings.Replace(lf, "\nm=audio", "\na=group:BUNDLE 0\nm=audio", 1)},
		{"two sections", two, two},
		{"no mid", noMid, noMid},
		{"already bundled", bundled, bundled},
	} {
		in, err := checkOffer([]byte(c.sdp), "")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, changed := bundleSingle([]byte(c.sdp), in)
		if string(got) != c.want || changed != (c.want != c.sdp) {
			t.Errorf("%s: changed=%v\n%q\nwant\n%q", c.name, changed, got, c.want)
		}
		if _, err := checkOffer(got, ""); err != nil {
			t.Errorf("%s: rebundled offer does not parse: %v", c.name, err)
		}
	}
	answer := "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
	if got := unbundleAnswer(answer); strings.Contains(got, "group") || !strings.Contains(got, "t=0 0\r\nm=audio 9") {
		t.Errorf("unbundleAnswer: %q", got)
	}
	if r, a := rejectedAudio(strings.Replace(answer, "m=audio 9", "m=audio 0", 1)); r != 1 || a != 1 {
		t.Errorf("rejectedAudio: %d of %d", r, a)
	}
}
