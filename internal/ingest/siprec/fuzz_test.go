package siprec

import (
	"testing"

	"github.com/pion/rtp"

	"github.com/undertone/undertone/internal/codec"
)

// FuzzMetadata: any document parses to participants whose streams resolve, or fails
// with ErrMetadata; never a panic.
func FuzzMetadata(f *testing.F) {
	f.Add([]byte(TestMetadata("sip:a@x", "sip:b@y")))
	f.Add([]byte(`<recording><participant id="p"><aor>sip:x</aor><send>s</send></participant><stream id="s"><label>7</label></stream></recording>`))
	f.Add([]byte(`<!DOCTYPE r [<!ENTITY a "b">]><recording>&a;</recording>`))
	f.Add([]byte(`<recording`))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := ParseMetadata(b)
		if err != nil {
			return
		}
		if len(md.Participants) == 0 {
			t.Fatal("parsed without participants")
		}
		for _, p := range md.Participants {
			for _, sid := range p.Send {
				if i := md.LabelParticipant(md.Streams[sid]); md.Streams[sid] != "" && i < 0 {
					t.Fatalf("stream %q of %q does not resolve", sid, p.ID)
				}
			}
		}
	})
}

// FuzzOffer: body splitting and SDP parsing never panic; an accepted offer has a
// decodable codec on each audio line, and the answer parses as SDP with as many m-lines.
func FuzzOffer(f *testing.F) {
	sdp := "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=label:1\r\nm=video 4002 RTP/AVP 96\r\nm=audio 4004 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
	f.Add("application/sdp", []byte(sdp))
	f.Add("multipart/mixed;boundary=b", []byte("--b\r\nContent-Type: application/sdp\r\n\r\n"+sdp+"\r\n--b--\r\n"))
	f.Add("multipart/mixed", []byte("--"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		s, _, err := SplitBody(ct, body)
		if err != nil {
			return
		}
		offers, err := ParseOffer(s)
		if err != nil {
			return
		}
		ports := make([]int, len(offers))
		for i, o := range offers {
			if o.Audio {
				if _, err := codec.ForCodec(o.Codec, o.Rate); err != nil {
					t.Fatalf("accepted %s/%d that does not decode: %v", o.Codec, o.Rate, err)
				}
				ports[i] = 5000 + 2*i
			}
		}
		ans := Answer(offers, offers[0].Addr, ports, 1)
		back, err := ParseOffer(ans)
		if err != nil || len(back) != len(offers) {
			t.Fatalf("answer does not parse back (%v, %d m-lines for %d):\n%s", err, len(back), len(offers), ans)
		}
	})
}

// FuzzRTPG711: any datagram either is refused or yields a payload that the G.711 decoders
// and the sequence tracker take without panicking or writing out of bounds.
func FuzzRTPG711(f *testing.F) {
	f.Add([]byte{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x7f, 0x00})
	f.Add([]byte{0xa0, 0x08, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x02})
	f.Add([]byte{0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x01, 1, 2, 3, 4, 9})
	f.Add([]byte{0x81, 0x00})
	pcm := make([]int16, 1600)
	u, a := codec.NewPCMU(), codec.NewPCMA()
	var seq codec.SeqTracker
	f.Fuzz(func(t *testing.T, b []byte) {
		var h rtp.Header
		payload, err := parseRTP(&h, b)
		if err != nil {
			return
		}
		if len(payload) > len(b) {
			t.Fatal("payload longer than the packet")
		}
		if _, ok := seq.Push(h.SequenceNumber); !ok {
			return
		}
		for _, d := range []codec.Decoder{u, a} {
			n, err := d.Decode(payload, pcm)
			if err == nil && n != len(payload) {
				t.Fatalf("%s: %d samples from %d bytes", d.Name(), n, len(payload))
			}
			_ = d.Conceal(pcm, 0)
		}
	})
}
