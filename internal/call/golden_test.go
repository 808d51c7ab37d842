package call

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/codec"
	"github.com/undertone/undertone/internal/event"
)

var update = flag.Bool("update", false, "rewrite testdata/golden_*.txt from the current stream")

// The stream's measurements on the speech fixture (level, pitch and voicing per hop, and
// the vad events) are pinned in testdata/golden_*.txt, so a change to the hot path (how
// audio reaches the 8 kHz pitch branch, at which rate Opus is decoded) shows up as a
// difference, and the tolerances below say how much of one is accepted. -update rewrites
// the files; a change that moves them beyond the tolerances says why in its commit.
func TestGoldenStream(t *testing.T) {
	x := withNoise(speechFixture(t), -55, 3)
	opus := opusFixture(t)
	for _, tc := range []struct {
		name, codec string
		packets     [][]byte
	}{
		{"pcmu", "PCMU", pcmuPackets(x)},
		{"opus", "opus", opus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hops, evs := runStream(t, tc.codec, tc.packets)
			got := goldenLines(hops, evs)
			path := "testdata/golden_" + tc.name + ".txt"
			if *update {
				if err := os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readLines(t, path)
			compareGolden(t, want, got)
		})
	}
}

// opusFixture is testdata/speech8k.opus (the same speech, libopus SILK wideband) as packets.
func opusFixture(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open("testdata/speech8k.opus")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pkts, err := codec.ReadOggOpus(f)
	if err != nil {
		t.Fatal(err)
	}
	return pkts
}

// goldenLines renders hops as "h T level pitch conf voiced speech" and vad events as
// "v T speech", T in ms.
func goldenLines(hops []hopRec, evs []event.Event) []string {
	var out []string
	for _, h := range hops {
		out = append(out, fmt.Sprintf("h %d %.2f %.1f %.2f %d %d", h.T.Milliseconds(), h.LevelDB, h.PitchHz,
			h.PitchConf, b2i(h.Voiced), b2i(h.Speech)))
	}
	for _, ev := range evs {
		if ev.Type == event.VAD {
			if m, ok := ev.Data.(map[string]any); ok {
				out = append(out, fmt.Sprintf("v %d %d", time.Duration(ev.T*float64(time.Second)).Milliseconds(),
					b2i(m["speech"] == true)))
			}
		}
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update ./internal/call/ to create it)", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// compareGolden accepts, per hop matched by time: level within 1 dB where either is above
// −70 dBFS, or between the golden levels of the hops either side ±1 dB, on all but 0.5 %
// of the hops (a shift of the stream's timing by less than a hop moves steep edges by
// many dB, and across a 40 ms stop closure even past the neighbours; it is not a change
// of measurement: decoding Opus at 16 kHz drops the 1.75 ms delay of the 48 → 16 kHz
// filter, and codec.TestOpusAt16k holds the decoded signal itself to 0.5 dB); the voicing decision equal on ≥ 95 % of hops and equal to that of the hop or a
// neighbour on ≥ 99 %; where both are voiced, pitch within 3 % on ≥ 97 % of them; the same
// sequence of vad states, each change within 30 ms.
func compareGolden(t *testing.T, want, got []string) {
	t.Helper()
	type hop struct {
		level, pitch  float64
		voiced, speak bool
	}
	parse := func(lines []string) (map[int64]hop, [][2]int64) {
		hops := map[int64]hop{}
		var vads [][2]int64
		for _, l := range lines {
			f := strings.Fields(l)
			num := func(i int) float64 { v, _ := strconv.ParseFloat(f[i], 64); return v }
			switch {
			case len(f) == 7 && f[0] == "h":
				hops[int64(num(1))] = hop{num(2), num(3), f[5] == "1", f[6] == "1"}
			case len(f) == 3 && f[0] == "v":
				vads = append(vads, [2]int64{int64(num(1)), int64(num(2))})
			}
		}
		return hops, vads
	}
	wh, wv := parse(want)
	gh, gv := parse(got)
	if len(gh) < len(wh)-2 || len(gh) > len(wh)+2 {
		t.Errorf("%d hops, golden has %d", len(gh), len(wh))
	}
	var n, voicing, nearVoicing, both, pitchOK, levelBad int
	for ts, w := range wh {
		g, ok := gh[ts]
		if !ok {
			continue
		}
		n++
		prev, okp := wh[ts-10]
		next, okn := wh[ts+10]
		if !okp {
			prev = w
		}
		if !okn {
			next = w
		}
		lo, hi := min(prev.level, w.level, next.level)-1, max(prev.level, w.level, next.level)+1
		if (w.level > -70 || g.level > -70) && math.Abs(w.level-g.level) > 1 && (g.level < lo || g.level > hi) {
			if levelBad++; levelBad <= 5 {
				t.Logf("hop %d ms: level %.2f, golden %.2f (neighbours %.2f, %.2f)", ts, g.level, w.level,
					prev.level, next.level)
			}
		}
		if w.voiced == g.voiced {
			voicing++
		}
		if g.voiced == w.voiced || g.voiced == prev.voiced || g.voiced == next.voiced {
			nearVoicing++
		}
		if w.voiced && g.voiced {
			both++
			if math.Abs(g.pitch-w.pitch) <= 0.03*w.pitch {
				pitchOK++
			}
		}
	}
	if levelBad*200 > n {
		t.Errorf("%d of %d hops off in level by more than 1 dB", levelBad, n)
	}
	if voicing*100 < 95*n || nearVoicing*100 < 99*n {
		t.Errorf("voicing agrees on %d of %d hops, with a neighbour on %d", voicing, n, nearVoicing)
	}
	if pitchOK*100 < 97*both {
		t.Errorf("pitch within 3 %% on %d of %d hops voiced in both", pitchOK, both)
	}
	if len(gv) != len(wv) {
		t.Errorf("vad events %v, golden %v", gv, wv)
		return
	}
	for i := range wv {
		if gv[i][1] != wv[i][1] || gv[i][0] < wv[i][0]-30 || gv[i][0] > wv[i][0]+30 {
			t.Errorf("vad event %d at %d ms speech=%d, golden %d ms speech=%d", i, gv[i][0], gv[i][1], wv[i][0], wv[i][1])
		}
	}
	t.Logf("%d hops: voicing agrees on %d (with a neighbour on %d), pitch within 3 %% on %d/%d voiced in both; %d vad events",
		n, voicing, nearVoicing, pitchOK, both, len(gv))
}
