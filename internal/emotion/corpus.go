package emotion

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/undertone/undertone/internal/features"
)

// Item is one row of a corpus manifest (`file,speaker,gender,emotion,text_id,corpus`).
type Item struct {
	Path    string // absolute path of the WAV
	File    string // as in the manifest, relative to wav/
	Speaker string // corpus-qualified: "<corpus>/<speaker>"
	Gender  string
	Label   string // corpus emotion label, lowercase
}

// ReadCorpus reads DIR/manifest.csv; files are under DIR/wav/.
func ReadCorpus(dir string) ([]Item, error) {
	f, err := os.Open(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		return nil, fmt.Errorf("emotion: corpus %s: %w: %w", dir, ErrCorpus, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("emotion: corpus %s: manifest header: %w: %w", dir, ErrCorpus, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, need := range []string{"file", "speaker", "emotion"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("emotion: corpus %s: manifest has no %q column: %w", dir, need, ErrCorpus)
		}
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	name := filepath.Base(filepath.Clean(dir))
	var items []Item
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("emotion: corpus %s: manifest line %d: %w: %w", dir, line, ErrCorpus, err)
		}
		c := get(rec, "corpus")
		if c == "" {
			c = name
		}
		items = append(items, Item{
			Path:    filepath.Join(dir, "wav", get(rec, "file")),
			File:    get(rec, "file"),
			Speaker: c + "/" + get(rec, "speaker"),
			Gender:  get(rec, "gender"),
			Label:   strings.ToLower(get(rec, "emotion")),
		})
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("emotion: corpus %s: empty manifest: %w", dir, ErrCorpus)
	}
	return items, nil
}

// Condition is how a file is presented to the feature extractor.
type Condition int

// Conditions: studio audio as recorded, and the simulated telephone channel (random
// parameters for training augmentation, EvalChannel for evaluation).
const (
	Clean Condition = iota
	PhoneAug
	PhoneEval
)

func (c Condition) String() string {
	return [...]string{"clean", "phone-aug", "phone-eval"}[c]
}

// fileSeed makes the channel noise of a file reproducible and independent of file order.
func fileSeed(file string, seed int64, c Condition) (uint64, uint64) {
	h := fnv.New64a()
	io.WriteString(h, file)
	return h.Sum64(), uint64(seed)*31 + uint64(c)
}

// Functionals extracts the utterance functionals of a whole file under condition c, the
// same way the live Analyzer does for one utterance (the gate drops leading and trailing
// silence). Files not at 16 kHz are resampled.
func Functionals(it Item, c Condition, seed int64) ([]float64, error) {
	x, sr, err := features.ReadWAV(it.Path)
	if err != nil {
		return nil, fmt.Errorf("emotion: %s: %w", it.Path, err)
	}
	x = features.Resample(x, sr, features.SampleRate)
	if c != Clean {
		r := rand.New(rand.NewPCG(fileSeed(it.File, seed, c)))
		p := EvalChannel
		if c == PhoneAug {
			p = RandomChannel(r)
			// One caller, one line: the gain is drawn per speaker, so level relative to
			// the caller's own baseline stays meaningful (only the noise varies per file).
			g := rand.New(rand.NewPCG(fileSeed(it.Speaker, seed, c)))
			p.GainDB = RandomChannel(g).GainDB
		}
		x = Telephone(x, p, r)
	}
	return utteranceFunctionals(x), nil
}

func utteranceFunctionals(x []float32) []float64 {
	e := features.NewExtractor()
	b := features.NewBuffer(len(x)/features.HopSamples + 1)
	for i := 0; i+features.HopSamples <= len(x); i += features.HopSamples {
		b.Push(e.Hop(x[i : i+features.HopSamples]))
	}
	out := make([]float64, features.NumFunctionals)
	b.Functionals(out, 0)
	return out
}

// extractAll computes functionals of every item under c with `jobs` workers, using an
// on-disk cache when cacheDir is set (keyed by feature set, file, condition and seed).
func extractAll(ctx context.Context, items []Item, c Condition, seed int64, jobs int, cacheDir string) ([][]float64, error) {
	var cache map[string][]float64
	var cachePath string
	if cacheDir != "" {
		h := fnv.New64a()
		for _, it := range items {
			io.WriteString(h, it.Path+"\n")
		}
		cachePath = filepath.Join(cacheDir, fmt.Sprintf("%s-%s-%d-%x.gob", FeatureSet, c, seed, h.Sum64()))
		if b, err := os.ReadFile(cachePath); err == nil && gob.NewDecoder(bytes.NewReader(b)).Decode(&cache) == nil {
			out := make([][]float64, len(items))
			ok := true
			for i, it := range items {
				if out[i], ok = cache[it.Path]; !ok {
					break
				}
			}
			if ok {
				return out, nil
			}
		}
	}
	out := make([][]float64, len(items))
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(jobs, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = Functionals(items[i], c, seed)
			}
		}()
	}
	var ctxErr error
feed:
	for i := range items {
		select {
		case next <- i:
		case <-ctx.Done():
			ctxErr = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if ctxErr != nil {
		return nil, ctxErr
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cachePath != "" {
		cache = make(map[string][]float64, len(items))
		for i, it := range items {
			cache[it.Path] = out[i]
		}
		var buf bytes.Buffer
		if gob.NewEncoder(&buf).Encode(cache) == nil {
			_ = os.MkdirAll(cacheDir, 0o755)
			_ = os.WriteFile(cachePath, buf.Bytes(), 0o644)
		}
	}
	return out, nil
}
