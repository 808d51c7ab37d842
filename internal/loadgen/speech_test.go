package loadgen

import (
	"context"
	"math"
	"os/exec"
	"testing"
)

// EncodeOpus makes 20 ms packets with opusenc when it is installed (opus-tools).
func TestEncodeOpus(t *testing.T) {
	if _, err := exec.LookPath("opusenc"); err != nil {
		t.Skip("opusenc (opus-tools) not installed")
	}
	ch := Dialogue([][]int16{tone(16000, 180, 16000)}, 16000, 3)
	pkts, err := EncodeOpus(context.Background(), ch[0], 16000, 24)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) < 150 || len(pkts) > 152 {
		t.Fatalf("%d packets for 3 s", len(pkts))
	}
}

// Dialogue alternates the parties with pauses, over line noise, and every turn is an
// onset loadgen can time.
func TestDialogue(t *testing.T) {
	clip := tone(8000, 150, 8000) // 1 s
	ch := Dialogue([][]int16{clip, clip}, 8000, 10)
	if len(ch) != 2 || len(ch[0]) != 80000 || len(ch[1]) != 80000 {
		t.Fatalf("shape %d×%d", len(ch), len(ch[0]))
	}
	if r := rms(ch[1][:4000]); r < 20 || r > 100 {
		t.Errorf("line noise rms %.0f, want about 33 (−60 dBFS)", r)
	}
	c, a := Onsets(ch[0]), Onsets(ch[1])
	if len(c) < 3 || len(a) < 3 || c[0] != 25 {
		t.Fatalf("onsets customer %v agent %v", c, a)
	}
	if a[0] <= c[0]+50 || c[1] <= a[0]+50 {
		t.Errorf("turns overlap: customer %v agent %v", c, a)
	}
}

func tone(rate int, hz float64, n int) []int16 {
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(6000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return x
}

func rms(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(x)))
}
