package siprec_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server/servertest"
	"github.com/undertone/undertone/internal/whipclient"
)

// writeToneWAV writes seconds of a sine at hz as a 16-bit mono 8 kHz WAV file.
func writeToneWAV(t *testing.T, path string, hz, seconds float64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := wav.NewEncoder(f, 8000, 16, 1, 1)
	pcm := servertest.Tone(hz, seconds)
	data := make([]int, len(pcm))
	for i, v := range pcm {
		data[i] = int(v)
	}
	if err := enc.Write(&audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: 8000}, Data: data, SourceBitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
}

// pcapFromWAV reads a WAV file and writes its audio as RTP (G.711, 20 ms packets) in a
// pcap with Ethernet/IPv4/UDP framing, the way sipp's play_pcap_audio expects it; it also
// writes the raw G.711 bytes (for sipp's rtp_stream when there is no raw-socket privilege).
func pcapFromWAV(t *testing.T, wavPath, pcapPath, rawPath string, pt uint8) {
	t.Helper()
	chans, err := whipclient.LoadWAV(wavPath)
	if err != nil {
		t.Fatal(err)
	}
	pcm := chans[0]
	f, err := os.Create(pcapPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	start := time.Unix(1700000000, 0)
	for i := 0; (i+1)*160 <= len(pcm); i++ {
		frame := pcm[i*160 : (i+1)*160]
		rtp := make([]byte, 12, 12+160)
		rtp[0], rtp[1] = 0x80, pt
		if i == 0 {
			rtp[1] |= 0x80 // marker on the first packet
		}
		binary.BigEndian.PutUint16(rtp[2:], uint16(1000+i))
		binary.BigEndian.PutUint32(rtp[4:], uint32(i*160))
		binary.BigEndian.PutUint32(rtp[8:], 0x5eed1234)
		g711 := codec.EncodeULaw(nil, frame)
		if pt == 8 {
			g711 = codec.EncodeALaw(nil, frame)
		}
		raw = append(raw, g711...)
		rtp = append(rtp, g711...)
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{0, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4(127, 0, 0, 1), DstIP: net.IPv4(127, 0, 0, 1)}
		udp := &layers.UDP{SrcPort: 6000, DstPort: 6002}
		_ = udp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, udp, gopacket.Payload(rtp)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: start.Add(time.Duration(i) * 20 * time.Millisecond), CaptureLength: len(b), Length: len(b)}
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(rawPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

type sippRun struct {
	body, contentType, headers string
	transport                  string // u1 or t1
	pt                         uint8
	hz, seconds                float64
}

// runSipp writes the scenario and media into a temp dir, runs sipp against the node and
// returns sipp's output.
func runSipp(t *testing.T, n *servertest.Node, r sippRun) string {
	t.Helper()
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Skip("SKIPPING: sipp not installed (apt-get install -y sip-tester); the sipgo-client tests still cover SIPREC")
	}
	dir := t.TempDir()
	wavPath := filepath.Join(dir, "tone.wav")
	writeToneWAV(t, wavPath, r.hz, r.seconds)
	pcapPath, rawPath := filepath.Join(dir, "audio.pcap"), filepath.Join(dir, "audio.g711")
	pcapFromWAV(t, wavPath, pcapPath, rawPath, r.pt)
	action := fmt.Sprintf(`<nop><action><exec play_pcap_audio="%s"/></action></nop>`, pcapPath)
	if os.Geteuid() != 0 || os.Getenv("UNDERTONE_SIPP_RTPSTREAM") != "" {
		// play_pcap_audio needs a raw socket (root or cap_net_raw): stream the same audio
		// with sipp's rtp_stream instead (UNDERTONE_SIPP_RTPSTREAM=1 forces this path).
		t.Logf("sipp plays the audio with rtp_stream instead of play_pcap_audio (not root, or forced)")
		action = fmt.Sprintf(`<nop><action><exec rtp_stream="%s,1,%d"/></action></nop>`, rawPath, r.pt)
	}
	tmpl, err := os.ReadFile("testdata/uac.xml")
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("testdata/" + r.body)
	if err != nil {
		t.Fatal(err)
	}
	sc := strings.NewReplacer("EXTRA_HEADERS", r.headers, "CONTENT_TYPE", r.contentType,
		"BODY", strings.TrimRight(string(body), "\n"), "AUDIO_ACTION", action,
		"PAUSE_MS", strconv.Itoa(int(r.seconds*1000)+500)).Replace(string(tmpl))
	scPath := filepath.Join(dir, "uac.xml")
	if err := os.WriteFile(scPath, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipp, "-sf", scPath, "-m", "1", "-l", "1", "-t", r.transport,
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", "0", "-mp", strconv.Itoa(20000+os.Getpid()%20000), "-timeout", "25s",
		"-trace_err", "-error_file", filepath.Join(dir, "err.log"), n.SIP.Addr())
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errLog, _ := os.ReadFile(filepath.Join(dir, "err.log"))
		t.Fatalf("sipp failed: %v\n%s\nerrors:\n%s", err, tail(out), errLog)
	}
	return string(out)
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// voicedMedian returns the median voiced pitch of a party and how many events it had.
func voicedMedian(evs []event.Event, p event.Party) (float64, int) {
	var hz []float64
	for _, ev := range evs {
		if ev.Type == event.Pitch && ev.Party == p {
			if d := ev.Data.(map[string]any); d["voiced"] == true {
				hz = append(hz, d["hz"].(float64))
			}
		}
	}
	if len(hz) == 0 {
		return 0, 0
	}
	slices.Sort(hz)
	return hz[len(hz)/2], len(hz)
}

// sipp as a real SIPREC client over UDP: multipart INVITE with metadata, RTP from a pcap
// made from a WAV in this test, BYE. The caller's stream is the customer.
func TestSippSIPREC(t *testing.T) {
	n := servertest.New(t, enable)
	w := watchNext(t, n, "sipp-siprec-1")
	runSipp(t, n, sippRun{body: "siprec_body.txt", contentType: "multipart/mixed;boundary=sipp-boundary",
		headers: "Require: siprec\r\nX-Undertone-Call: sipp-siprec-1", transport: "u1", pt: 0, hz: 220, seconds: 2})
	checkSippCall(t, w, event.Customer, 220, []event.Party{event.Customer, event.Agent}, "siprec")
}

// sipp as a plain SIP client over TCP: one PCMA stream, party from X-Undertone-Party.
func TestSippPlainTCP(t *testing.T) {
	n := servertest.New(t, enable)
	w := watchNext(t, n, "sipp-plain-1")
	runSipp(t, n, sippRun{body: "plain_body.txt", contentType: "application/sdp",
		headers: "X-Undertone-Party: agent\r\nX-Undertone-Call: sipp-plain-1", transport: "t1", pt: 8, hz: 330, seconds: 2})
	checkSippCall(t, w, event.Agent, 330, []event.Party{event.Agent}, "sip")
}

// watchNext subscribes to a call that does not exist yet: the hub keeps its history, so
// the websocket is opened once the call appears.
func watchNext(t *testing.T, n *servertest.Node, id string) func() *servertest.Watcher {
	var w *servertest.Watcher
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.WaitCall(id, 20*time.Second)
	}()
	return func() *servertest.Watcher {
		<-done
		if w == nil {
			w = servertest.Watch(t, n, id)
		}
		return w
	}
}

func checkSippCall(t *testing.T, wf func() *servertest.Watcher, party event.Party, hz float64, parties []event.Party, source string) {
	t.Helper()
	w := wf()
	ended, err := w.WaitEnded(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	evs := w.Events()
	med, k := voicedMedian(evs, party)
	if k < 5 || math.Abs(med-hz) > 0.03*hz {
		t.Errorf("%s: median voiced pitch %.1f Hz over %d events, want %.0f Hz", party, med, k, hz)
	}
	ends := 0
	var joined []event.Party
	for _, ev := range evs {
		switch ev.Type {
		case event.CallEnded:
			ends++
		case event.PartyJoined:
			joined = append(joined, ev.Party)
		}
	}
	if ends != 1 {
		t.Errorf("call.ended ×%d", ends)
	}
	if !slices.Equal(joined, parties) {
		t.Errorf("parties joined %v, want %v", joined, parties)
	}
	d := ended.Data.(map[string]any)
	if d["reason"] != "hangup" || d["source"] != source {
		t.Errorf("ended with reason %v source %v, want hangup by BYE from %s", d["reason"], d["source"], source)
	}
	ps := d["summary"].(map[string]any)["parties"].(map[string]any)[string(party)].(map[string]any)
	if ms := ps["media_s"].(float64); ms < 1.8 || ms > 2.5 {
		t.Errorf("%s media_s %.2f, want ≈ 2", party, ms)
	}
	if lost := ps["lost"].(float64); lost > 0 {
		t.Errorf("%s lost %v packets on loopback", party, lost)
	}
	t.Logf("%s via sipp: %s pitch %.1f Hz over %d events; summary %v", source, party, med, k, ps)
}
