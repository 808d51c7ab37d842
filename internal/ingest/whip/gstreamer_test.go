package whip_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/server/servertest"
)

// gstPython returns a Python interpreter that can drive GStreamer's webrtcbin, or why not.
// Debian's /usr/bin/python3 comes first: a pyenv or venv python on PATH usually lacks the
// system's gi module.
func gstPython() (string, string) {
	const probe = `import gi
gi.require_version("Gst", "1.0"); gi.require_version("GstWebRTC", "1.0"); gi.require_version("GstSdp", "1.0")
from gi.repository import Gst, GstWebRTC, GstSdp
Gst.init(None)
missing = [e for e in ("webrtcbin", "opusenc", "rtpopuspay", "audiotestsrc", "nicesrc", "dtlssrtpenc") if not Gst.ElementFactory.find(e)]
print(" ".join(missing))`
	why := "no python3"
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		out, err := exec.Command(path, "-c", probe).CombinedOutput()
		switch {
		case err != nil:
			why = path + ": " + lastLine(out)
		case strings.TrimSpace(string(out)) != "":
			why = path + ": GStreamer elements missing: " + strings.TrimSpace(string(out))
		default:
			return path, ""
		}
	}
	return "", why
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// gstRun is what gst_whip_publish.py printed.
type gstRun struct {
	offer, answer string
	status        int
	states        []string
	connected     bool
	rtpSent       int
}

func publishGStreamer(t *testing.T, py, url string, seconds float64, policy string) (gstRun, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds*float64(time.Second))+40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/gst_whip_publish.py", url, servertest.IntegratorToken,
		jsonNumber(seconds), policy)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var r gstRun
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct {
			Offer, Answer, State *string
			Status               int
			Done                 bool
			Connected            bool
			RTPSent              int `json:"rtp_sent"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		switch {
		case m.Offer != nil:
			r.offer = *m.Offer
		case m.Answer != nil:
			r.answer, r.status = *m.Answer, m.Status
		case m.State != nil:
			r.states = append(r.states, *m.State)
		case m.Done:
			r.connected, r.rtpSent = m.Connected, m.RTPSent
		}
	}
	if err != nil {
		t.Logf("gst_whip_publish.py stderr:\n%s", stderr.String())
	}
	return r, err
}

func jsonNumber(f float64) string { b, _ := json.Marshal(f); return string(b) }

// TestGStreamerPublisher: GStreamer's webrtcbin — a WebRTC stack that is neither pion nor
// Chromium — publishes Opus over WHIP to a real node, once with bundle-policy=none (an
// offer with a=mid:audio0, a=rtcp-mux-only and no a=group:BUNDLE, which pion v4.2.20 on
// its own answers with m=audio 0) and once bundled. Both calls reach the websocket with
// the customer's level and pitch cues at the tone's pitch. ICE stays on loopback.
func TestGStreamerPublisher(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time WebRTC calls")
	}
	py, why := gstPython()
	if py == "" {
		t.Skipf("SKIP (loud): GStreamer webrtcbin from Python is not usable (%s): install python3-gi "+
			"gir1.2-gst-plugins-bad-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-nice "+
			"(scripts/install-deps.sh test does)", why)
	}
	n := servertest.New(t)
	for _, policy := range []string{"none", "max-bundle"} {
		t.Run(policy, func(t *testing.T) {
			id := "gst-" + policy
			done := make(chan struct{})
			var run gstRun
			var err error
			go func() {
				defer close(done)
				run, err = publishGStreamer(t, py, n.URL()+"/v1/whip?call="+id+"&party=customer", 3, policy)
			}()
			if !n.WaitCall(id, 20*time.Second) {
				<-done
				t.Fatalf("no call from webrtcbin (%v): answer %d %q", err, run.status, run.answer)
			}
			w := servertest.Watch(t, n, id)
			<-done
			if err != nil {
				t.Fatalf("webrtcbin publisher: %v (states %v, answer %d:\n%s)", err, run.states, run.status, run.answer)
			}
			bundled := strings.Contains(run.offer, "a=group:BUNDLE")
			if bundled != (policy != "none") {
				t.Errorf("webrtcbin's offer with bundle-policy=%s has BUNDLE=%v:\n%s", policy, bundled, run.offer)
			}
			if strings.Contains(run.answer, "m=audio 0 ") || (!bundled && strings.Contains(run.answer, "a=group:BUNDLE")) {
				t.Errorf("answer rejects the audio or bundles what the offer did not:\n%s", run.answer)
			}
			if !run.connected || run.rtpSent < 100 {
				t.Errorf("webrtcbin connected=%v, sent %d RTP packets (states %v)", run.connected, run.rtpSent, run.states)
			}
			if _, err := w.WaitEnded(10 * time.Second); err != nil {
				t.Fatal(err)
			}
			var pitches []float64
			levels := 0
			for _, ev := range w.Events() {
				if ev.Party != event.Customer {
					continue
				}
				switch ev.Type {
				case event.Level:
					levels++
				case event.Pitch:
					var d event.PitchData
					b, _ := json.Marshal(ev.Data)
					if json.Unmarshal(b, &d) == nil && d.Voiced {
						pitches = append(pitches, d.Hz)
					}
				}
			}
			if levels < 15 || len(pitches) < 10 {
				t.Fatalf("customer cues: %d level, %d voiced pitch events; want ≥ 15 and ≥ 10", levels, len(pitches))
			}
			slices.Sort(pitches)
			if med := pitches[len(pitches)/2]; math.Abs(med-220) > 0.03*220 {
				t.Errorf("median pitch %.1f Hz, want the 220 Hz tone webrtcbin sent", med)
			}
			t.Logf("bundle-policy=%s: connected, %d RTP packets sent; %d level, %d voiced pitch events, median %.1f Hz",
				policy, run.rtpSent, levels, len(pitches), pitches[len(pitches)/2])
		})
	}
}
