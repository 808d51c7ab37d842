package emotion

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/undertone/undertone/internal/features"
)

// Condition is how a file is presented to the feature extractor.
type Condition int

// Conditions. Clean is the file as recorded. PhoneAug is the single telephone copy of
// format v1 (kept for the ablation); Aug0+k is the k-th copy through the augmentation
// chain (augment.go). PhoneEval is the fixed telephone channel of `eval --telephone`
// (G.711 µ-law, −12 dB, 25 dB white-noise SNR). The held-out conditions use what the
// augmentation never draws: HeldCodec is AMR-NB at 4.75 kbit/s (the lowest mobile mode),
// HeldNoise is four-talker babble at 10 dB SNR before the telephone channel. Short keeps
// one second of the clean file's active speech (short turns, as in command-style speech).
const (
	Clean Condition = iota
	PhoneAug
	PhoneEval
	HeldCodec
	HeldNoise
	Short
	Aug0 Condition = 100
)

func (c Condition) String() string {
	if c >= Aug0 {
		return fmt.Sprintf("aug%d", c-Aug0)
	}
	if int(c) < 6 {
		return [...]string{"clean", "phone-aug", "phone-eval", "amr-nb", "babble", "short"}[c]
	}
	return fmt.Sprintf("cond%d", int(c))
}

// augVersion changes whenever the augmentation chain draws differently (cache key).
const augVersion = 1

// Band names of Model.Band: the front end before feature extraction.
const (
	BandWide  = ""      // the audio as received
	BandPhone = "phone" // 300–3400 Hz band-pass first, so every channel looks alike
)

// renderer makes the audio of an item under a condition, reproducibly from the seed.
type renderer struct {
	items []Item
	seed  int64
	band  string
	opus  bool
	pitch float64 // ± semitones of the augmentation's pitch perturbation
}

// fileSeed makes the channel of a file reproducible and independent of file order.
func fileSeed(file string, seed int64, c Condition) (uint64, uint64) {
	h := fnv.New64a()
	io.WriteString(h, file)
	return h.Sum64(), uint64(seed)*31 + uint64(c)
}

func readAudio(it Item) ([]float32, error) {
	x, sr, err := features.ReadWAV(it.Path)
	if err != nil {
		return nil, fmt.Errorf("emotion: %s: %w", it.Path, err)
	}
	return features.Resample(x, sr, features.SampleRate), nil
}

// audio renders item i under condition c.
func (rd *renderer) audio(i int, c Condition) ([]float32, error) {
	it := rd.items[i]
	x, err := readAudio(it)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(fileSeed(it.File, rd.seed, c)))
	// One caller, one line: the gain is drawn per speaker (and copy), so level relative
	// to the caller's own baseline stays meaningful.
	g := rand.New(rand.NewPCG(fileSeed(it.Speaker, rd.seed, c)))
	switch {
	case c == Clean:
		return x, nil
	case c == PhoneAug:
		p := RandomChannel(r)
		p.GainDB = RandomChannel(g).GainDB
		return Telephone(x, p, r), nil
	case c == PhoneEval:
		return Telephone(x, EvalChannel, r), nil
	case c == HeldCodec:
		y := toF64(x)
		scale(y, 0.25) // −12 dB, as the evaluation telephone channel
		z, err := amrRoundTrip(y, 0)
		if err != nil {
			return nil, err
		}
		return toF32(z), nil
	case c == HeldNoise:
		y := toF64(x)
		pow, _, _ := activePower(y)
		b, err := rd.babble(i, len(y), r)
		if err != nil {
			return nil, err
		}
		mixAt(y, b, pow, 10)
		return Telephone(toF32(y), ChannelParams{GainDB: EvalChannel.GainDB, SNRDB: 50}, r), nil
	case c == Short:
		return toF32(cropActive(toF64(x), 1, r)), nil
	case c >= Aug0:
		gain := -24 + 21*g.Float64()
		return Augment(x, DrawAug(r, gain, rd.opus, rd.pitch), r), nil
	}
	return nil, fmt.Errorf("emotion: condition %v: %w", c, ErrUsage)
}

// babble sums four utterances of other speakers, each at unit active power, tiled from a
// random offset to n samples.
func (rd *renderer) babble(i, n int, r *rand.Rand) ([]float64, error) {
	out := make([]float64, n)
	for k, tries := 0, 0; k < 4 && tries < 100; tries++ {
		j := r.IntN(len(rd.items))
		if rd.items[j].Speaker == rd.items[i].Speaker {
			continue
		}
		x, err := readAudio(rd.items[j])
		if err != nil {
			return nil, err
		}
		y := toF64(x)
		pow, first, last := activePower(y)
		if pow <= 0 || last-first < 1600 {
			continue
		}
		y = y[first:last]
		scale(y, 1/math.Sqrt(pow))
		off := r.IntN(len(y))
		for t := range out {
			out[t] += y[(off+t)%len(y)]
		}
		k++
	}
	return out, nil
}

// utteranceFunctionals extracts the utterance functionals of a whole clip the way the live
// Analyzer does for one utterance (the activity gate drops leading and trailing silence),
// after the model's front end.
func utteranceFunctionals(x []float32, band string) []float64 {
	e := features.NewExtractor()
	b := features.NewBuffer(len(x)/features.HopSamples + 1)
	var fe *frontEnd
	if band == BandPhone {
		fe = newFrontEnd()
	}
	hopBuf := make([]float32, features.HopSamples)
	for i := 0; i+features.HopSamples <= len(x); i += features.HopSamples {
		h := x[i : i+features.HopSamples]
		if fe != nil {
			fe.process(hopBuf, h)
			h = hopBuf
		}
		b.Push(e.Hop(h))
	}
	out := make([]float64, features.NumFunctionals)
	b.Functionals(out, 0)
	return out
}

// Functionals extracts the utterance functionals of one file under condition c (Clean,
// PhoneEval or an augmented copy), for a model whose front end is band.
func Functionals(it Item, c Condition, seed int64, band string) ([]float64, error) {
	rd := &renderer{items: []Item{it}, seed: seed, band: band}
	x, err := rd.audio(0, c)
	if err != nil {
		return nil, err
	}
	return utteranceFunctionals(x, band), nil
}

// extractOpts say how extractAll renders and caches.
type extractOpts struct {
	seed     int64
	band     string
	jobs     int
	cache    string  // folder of the on-disk feature cache ("": none)
	external bool    // use installed external codecs (Opus in the augmentation)
	augPitch float64 // ± semitones of the augmentation's pitch perturbation (0: default)
}

// extractAll computes functionals of every item under c with o.jobs workers, using an
// on-disk cache when o.cache is set (keyed by feature set, front end, augmentation
// version and codecs, condition, seed and the file list).
func extractAll(ctx context.Context, items []Item, c Condition, o extractOpts) ([][]float64, error) {
	var cachePath string
	opus := o.external && OpusAvailable()
	if o.cache != "" {
		h := fnv.New64a()
		for _, it := range items {
			io.WriteString(h, it.Path+"\n")
		}
		band := o.band
		if band == "" {
			band = "wide"
		}
		codecs := "g711"
		if opus && c >= Aug0 {
			codecs = "opus"
		}
		if c >= Aug0 {
			pr := o.augPitch
			if pr <= 0 {
				pr = DefaultPitchRange
			}
			codecs += fmt.Sprintf("-p%g", pr)
		}
		cachePath = filepath.Join(o.cache, fmt.Sprintf("%s-%s-a%d-%s-%s-%d-%x.gob", FeatureSet, band, augVersion, codecs, c, o.seed, h.Sum64()))
		var cache [][]float64
		if b, err := os.ReadFile(cachePath); err == nil && gob.NewDecoder(bytes.NewReader(b)).Decode(&cache) == nil && len(cache) == len(items) {
			return cache, nil
		}
	}
	band, jobs := o.band, o.jobs
	rd := &renderer{items: items, seed: o.seed, band: band, opus: opus, pitch: o.augPitch}
	out := make([][]float64, len(items))
	errs := make([]error, len(items))
	if err := parallel(ctx, len(items), jobs, func(i int) {
		x, err := rd.audio(i, c)
		if err != nil {
			errs[i] = err
			return
		}
		out[i] = utteranceFunctionals(x, band)
	}); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cachePath != "" {
		var buf bytes.Buffer
		if gob.NewEncoder(&buf).Encode(out) == nil {
			_ = os.MkdirAll(o.cache, 0o755)
			_ = os.WriteFile(cachePath, buf.Bytes(), 0o644)
		}
	}
	return out, nil
}
