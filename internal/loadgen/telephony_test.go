package loadgen_test

import (
	"context"
	"os"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/config"
	"github.com/undertone/undertone/internal/loadgen"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

// Every dialer (WHIP and the telephony ones) carries a short two-party call end to end and the report
// matches every onset with a cue.
func TestTelephonyDialers(t *testing.T) {
	if testing.Short() {
		t.Skip("plays real-time calls")
	}
	sip.UDPMTUSize = 65000 // SIPREC over UDP, as SBCs send it (see siprec.ClientParams)
	const secret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU="
	n := servertest.New(t, func(c *config.Config) {
		c.SIPAddr, c.AudioSocketAddr = "127.0.0.1:0", "127.0.0.1:0"
		c.Telephony.SIPAllowFrom = []string{"127.0.0.1"} // the load client is the trusted SBC
		c.Telephony.AudioHookSecret = secret
	})
	ch := loadgen.ToneBursts(4, 2)
	for _, proto := range loadgen.Protocols {
		d, err := loadgen.NewDialer(proto, loadgen.TelephonyParams{HTTP: n.URL(), Token: servertest.AdminToken,
			SIPAddr: n.SIP.Addr(), SIPTransport: "udp", AudioSocket: n.AudioSocket.Addr().String(), AudioHookKey: secret})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := loadgen.RunPeers(context.Background(), loadgen.Params{Server: n.URL(), Token: servertest.AdminToken,
			Calls: 2, Channels: ch, RunID: "t-" + proto}, d)
		if err != nil {
			t.Fatalf("%s: %v", proto, err)
		}
		t.Logf("%s: %s", proto, rep)
		if rep.Failed != 0 || rep.Matched != rep.Onsets || rep.Onsets == 0 || rep.ServerCPUSeconds <= 0 {
			t.Errorf("%s: %s", proto, rep)
		}
	}
}

// Opus over WHIP, as browsers send it: the fixture's libopus packets reach the server's
// Opus decoder and every onset of the speech gets its cue.
func TestWHIPOpus(t *testing.T) {
	if testing.Short() {
		t.Skip("plays a real-time call")
	}
	n := servertest.New(t, nil)
	f, err := os.Open("../call/testdata/speech8k.opus")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pkts, err := codec.ReadOggOpus(f)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := whipclient.LoadWAV("../call/testdata/speech8k.wav")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := loadgen.Run(context.Background(), loadgen.Params{Server: n.URL(), Token: servertest.AdminToken,
		Calls: 1, Channels: ch, Opus: [][][]byte{pkts}, RunID: "t-opus"})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	if rep.Failed != 0 || rep.Onsets != 3 || rep.Matched != 3 || rep.PacketsLost != 0 {
		t.Errorf("%s", rep)
	}
}
