package whip

import (
	"strings"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// A browser offers transport-wide congestion control feedback; the receive-only answer
// declines it (no TWCC feedback to send), keeps Opus, PCMU and PCMA, and RTCP (receiver
// reports) stays multiplexed on the one transport.
func TestAPIAnswerWithoutTWCC(t *testing.T) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		t.Fatal(err)
	}
	client, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir)).
		NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(offer.SDP, "transport-cc") {
		t.Fatal("the client's offer has no transport-cc to decline")
	}
	api, err := NewAPI(APIConfig{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if err := pc.SetRemoteDescription(offer); err != nil {
		t.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"transport-cc", "transport-wide-cc"} {
		if strings.Contains(answer.SDP, bad) {
			t.Errorf("answer negotiates %s:\n%s", bad, answer.SDP)
		}
	}
	for _, want := range []string{"opus/48000/2", "PCMU/8000", "PCMA/8000", "a=rtcp-mux", "a=recvonly"} {
		if !strings.Contains(answer.SDP, want) {
			t.Errorf("answer lacks %s:\n%s", want, answer.SDP)
		}
	}
}
