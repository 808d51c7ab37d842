package emotion

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestULawRoundTrip(t *testing.T) {
	for _, x := range []float64{0, 0.001, -0.001, 0.01, -0.3, 0.5, 0.99, -0.99} {
		y := ulawDecode(ulawEncode(x))
		if math.Abs(y-x) > 0.03*math.Abs(x)+2e-4 {
			t.Errorf("µ-law %v → %v", x, y)
		}
	}
}

// A 1 kHz tone passes the telephone channel; 6 kHz and 100 Hz do not.
func TestTelephoneBand(t *testing.T) {
	tone := func(f float64) []float32 {
		x := make([]float32, 16000)
		for i := range x {
			x[i] = float32(0.5 * math.Sin(2*math.Pi*f*float64(i)/16000))
		}
		return x
	}
	rms := func(x []float32) float64 {
		s := 0.0
		for _, v := range x[4000:] {
			s += float64(v) * float64(v)
		}
		return math.Sqrt(s / float64(len(x)-4000))
	}
	p := ChannelParams{GainDB: 0, SNRDB: 60}
	r := rand.New(rand.NewPCG(1, 2))
	pass := rms(Telephone(tone(1000), p, r)) / rms(tone(1000))
	hi := rms(Telephone(tone(6000), p, r)) / rms(tone(6000))
	lo := rms(Telephone(tone(100), p, r)) / rms(tone(100))
	if pass < 0.8 || pass > 1.2 || hi > 0.05 || lo > 0.1 {
		t.Fatalf("gain 1 kHz %.3f, 6 kHz %.3f, 100 Hz %.3f", pass, hi, lo)
	}
}
