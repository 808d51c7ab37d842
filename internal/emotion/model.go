package emotion

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"

	"github.com/undertone/undertone/internal/features"
	"github.com/undertone/undertone/models"
)

// Format and FormatVersion identify a model file. Bump FormatVersion when a field changes
// meaning; FeatureSet changes whenever internal/features changes what it computes.
const (
	Format        = "undertone.emotion"
	FormatVersion = 2
	FeatureSet    = "ut-egemaps-5"
	// DefaultPath is the shipped model inside models.FS.
	DefaultPath = "emotion/emotion.json"
)

// Classes are the product classes shown to agents, in model order.
var Classes = []string{"neutral", "angry", "happy", "sad", "fearful"}

// NumClasses is len(Classes).
const NumClasses = 5

// Model is a trained emotion model: the front end, standardisation, two softmax heads
// (absolute, and relative to the caller's calm baseline), a binary arousal head on the
// absolute features, calibration temperatures, the baseline's rules, and the circumplex
// valence of each class. Immutable after Load; safe to share.
type Model struct {
	Format     string            `json:"format"`
	Version    int               `json:"version"`
	FeatureSet string            `json:"feature_set"`
	Classes    []string          `json:"classes"`
	LabelMap   map[string]string `json:"label_map"` // corpus label → class; "" = not used
	Features   []string          `json:"features"`
	Mean       []float64         `json:"mean"`
	Scale      []float64         `json:"scale"`
	// Band is the front end before feature extraction: "" (as received) or "phone"
	// (300–3400 Hz band-pass; see frontEnd).
	Band     string `json:"band,omitempty"`
	Absolute Head   `json:"absolute"`
	Relative *Head  `json:"relative,omitempty"`
	// ArousalHead scores high (angry, happy, fearful, surprised) against low (neutral,
	// calm, sad) activation from the absolute features only, so no baseline can talk a
	// sustained state away: arousal = 2·p(high) − 1.
	ArousalHead Binary `json:"arousal_head"`
	// RelativeOnly names features (absolute level) that enter the model only relative to
	// the caller's baseline: their z is zeroed for the absolute head and the absolute half
	// of the relative head's input.
	RelativeOnly []string `json:"relative_only,omitempty"`
	relOnly      []int
	// BaselinePrior is the pseudo-count k of the baseline mean Σz/(n+k): with few earlier
	// utterances the baseline stays near the population mean.
	BaselinePrior float64 `json:"baseline_prior"`
	// BaselineScale divides the relative part by the caller's shrunk standard deviation,
	// sqrt(max((Σz² + k)/(n+k) − mean², 0.05)): a per-caller z-score with a prior.
	BaselineScale bool `json:"baseline_scale,omitempty"`
	// Calm is the arousal at or below which an utterance counts as calm speech: only
	// such utterances teach the baseline (see Baseline).
	Calm float64 `json:"calm"`
	// BaselineWindow is the baseline's memory in calm utterances: a plain mean of the
	// first ones, then an exponential moving average with weight 1/BaselineWindow.
	BaselineWindow float64   `json:"baseline_window"`
	Arousal        []float64 `json:"arousal"` // per class, in [−1, 1] (the circumplex placement; reported, not used for the arousal output)
	Valence        []float64 `json:"valence"` // per class, in [−1, 1]
	Card           Card      `json:"card"`
}

// Binary is a calibrated logistic scorer: p = σ((W·input + B) / T).
type Binary struct {
	W           []float64 `json:"w"`
	B           float64   `json:"b"`
	Temperature float64   `json:"temperature"`
}

// logit is W·in + B.
func (b *Binary) logit(in []float64) float64 {
	s := b.B
	for i, w := range b.W {
		s += w * in[i]
	}
	return s
}

// prob is the calibrated probability of the positive class.
func (b *Binary) prob(in []float64) float64 {
	return 1 / (1 + math.Exp(-b.logit(in)/b.Temperature))
}

// Head is one softmax classifier. Without a hidden layer, logits = W·input + B; with one,
// h = tanh(H·input + HB) and logits = W·h + B. Probabilities are softmax(logits / T).
// A relative head's input is [z, z − baseline] (2·len(Features)).
type Head struct {
	Inputs      int         `json:"inputs"`
	H           [][]float64 `json:"h,omitempty"`  // hidden × inputs (optional hidden layer)
	HB          []float64   `json:"hb,omitempty"` // hidden biases
	W           [][]float64 `json:"w"`            // classes × (inputs or hidden)
	B           []float64   `json:"b"`
	Temperature float64     `json:"temperature"`
}

// Card is the provenance card carried inside the model (and rendered to the .md beside it).
// Corpus and Licence say what the model was trained on and under which terms; serve logs
// both at start.
type Card struct {
	Corpus  []string           `json:"corpus"`
	Corpora []CorpusCard       `json:"corpora,omitempty"`
	Licence string             `json:"licence"`
	Date    string             `json:"date"`
	Command string             `json:"command"`
	Seed    int64              `json:"seed"`
	N       int                `json:"n"`
	Notes   []string           `json:"notes,omitempty"`
	Scores  map[string]float64 `json:"scores,omitempty"`
	// Tests are the transfer and stress tests (transfer.go), when trained with --transfer.
	Tests []TestReport `json:"tests,omitempty"`
	// Ablation rows are carried over from experiments (--ablation FILE), for the card.
	Ablation []AblationRow `json:"ablation,omitempty"`
}

// CorpusCard is one training corpus: name, size and licence.
type CorpusCard struct {
	Name     string `json:"name"`
	Files    int    `json:"files"`
	Speakers int    `json:"speakers"`
	Licence  string `json:"licence"`
}

// Load reads a model file from disk.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("emotion: load %s: %w", path, err)
	}
	return Parse(b)
}

// LoadDefault reads the shipped model from models.FS.
func LoadDefault() (*Model, error) {
	b, err := fs.ReadFile(models.FS, DefaultPath)
	if err != nil {
		return nil, fmt.Errorf("emotion: shipped model %s: %w", DefaultPath, err)
	}
	return Parse(b)
}

// Parse decodes and validates a model.
func Parse(b []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("emotion: decode model: %w: %w", ErrModel, err)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Model) validate() error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("emotion: model: %s: %w", fmt.Sprintf(f, a...), ErrModel)
	}
	if m.Format != Format || m.Version != FormatVersion {
		return bad("format %q version %d, want %q %d", m.Format, m.Version, Format, FormatVersion)
	}
	if m.FeatureSet != FeatureSet {
		return bad("feature set %q, this build computes %q", m.FeatureSet, FeatureSet)
	}
	if len(m.Classes) != NumClasses {
		return bad("%d classes", len(m.Classes))
	}
	for i, c := range m.Classes {
		if c != Classes[i] {
			return bad("class %d is %q, want %q", i, c, Classes[i])
		}
	}
	nf := features.NumFunctionals
	if len(m.Features) != nf || len(m.Mean) != nf || len(m.Scale) != nf {
		return bad("%d features, %d means, %d scales; want %d", len(m.Features), len(m.Mean), len(m.Scale), nf)
	}
	names := features.FunctionalNames()
	for i, n := range m.Features {
		if n != names[i] {
			return bad("feature %d is %q, want %q", i, n, names[i])
		}
	}
	if len(m.Arousal) != NumClasses || len(m.Valence) != NumClasses {
		return bad("arousal/valence per class")
	}
	if m.Band != BandWide && m.Band != BandPhone {
		return bad("front end band %q", m.Band)
	}
	if len(m.ArousalHead.W) != nf || !(m.ArousalHead.Temperature > 0) {
		return bad("arousal head: %d weights, temperature %v", len(m.ArousalHead.W), m.ArousalHead.Temperature)
	}
	if !(m.BaselineWindow >= 1) || math.IsNaN(m.Calm) {
		return bad("baseline window %v, calm %v", m.BaselineWindow, m.Calm)
	}
	m.relOnly = m.relOnly[:0]
	for _, r := range m.RelativeOnly {
		i := slices.Index(names, r)
		if i < 0 {
			return bad("relative-only feature %q unknown", r)
		}
		m.relOnly = append(m.relOnly, i)
	}
	if err := m.Absolute.check(nf); err != nil {
		return bad("absolute head: %v", err)
	}
	if m.Relative != nil {
		if err := m.Relative.check(2 * nf); err != nil {
			return bad("relative head: %v", err)
		}
	}
	return nil
}

func (h *Head) check(inputs int) error {
	if h.Inputs != inputs || len(h.W) != NumClasses || len(h.B) != NumClasses {
		return fmt.Errorf("shape %d×%d, want %d×%d", len(h.W), h.Inputs, NumClasses, inputs)
	}
	width := inputs
	if len(h.H) > 0 {
		if len(h.HB) != len(h.H) {
			return fmt.Errorf("%d hidden units, %d biases", len(h.H), len(h.HB))
		}
		for _, r := range h.H {
			if len(r) != inputs {
				return fmt.Errorf("hidden row of %d weights", len(r))
			}
		}
		width = len(h.H)
	}
	for _, r := range h.W {
		if len(r) != width {
			return fmt.Errorf("row of %d weights, want %d", len(r), width)
		}
	}
	if !(h.Temperature > 0) {
		return fmt.Errorf("temperature %v", h.Temperature)
	}
	return nil
}

// ClassOf maps a corpus label to a class index, or −1 when the label is not used.
func (m *Model) ClassOf(label string) int {
	c, ok := m.LabelMap[label]
	if !ok {
		c = label
	}
	for i, k := range Classes {
		if k == c {
			return i
		}
	}
	return -1
}

// Prediction is one inference result.
type Prediction struct {
	Probs      [NumClasses]float64
	Top        int
	Arousal    float64 // 2·p(high activation) − 1 from the arousal head, absolute
	Valence    float64
	Confidence float64 // calibrated probability of the top class
}

// Scorer runs a Model without allocating; one per goroutine.
type Scorer struct {
	m   *Model
	z   []float64
	za  []float64 // z with the relative-only features zeroed
	rel []float64
	hid []float64
}

// NewScorer makes the scratch space for m.
func NewScorer(m *Model) *Scorer {
	n := len(m.Mean)
	hid := len(m.Absolute.H)
	if m.Relative != nil {
		hid = max(hid, len(m.Relative.H))
	}
	return &Scorer{m: m, z: make([]float64, n), za: make([]float64, n), rel: make([]float64, 2*n), hid: make([]float64, hid)}
}

// Standardize writes z = clip((x − mean) / scale, ±6) into dst; NaN becomes 0 (the mean).
func (m *Model) Standardize(dst, x []float64) {
	for i, v := range x {
		z := (v - m.Mean[i]) / m.Scale[i]
		if math.IsNaN(z) {
			z = 0
		}
		dst[i] = math.Max(-6, math.Min(6, z))
	}
}

// Predict scores raw functionals x. With base non-nil and a relative head, the prediction
// is relative to the caller's baseline (which Predict does not update). It returns the
// standardised features for the caller to feed the baseline afterwards; the slice is
// owned by the Scorer.
func (s *Scorer) Predict(x []float64, base *Baseline) (Prediction, []float64) {
	m := s.m
	m.Standardize(s.z, x)
	copy(s.za, s.z)
	for _, i := range m.relOnly {
		s.za[i] = 0
	}
	h, in := &m.Absolute, s.za
	if base != nil && m.Relative != nil {
		n := len(s.z)
		copy(s.rel, s.za)
		for i, z := range s.z {
			s.rel[n+i] = base.rel(i, z)
		}
		h, in = m.Relative, s.rel
	}
	var p Prediction
	h.probs(&p.Probs, in, s.hid)
	m.finish(&p)
	p.Arousal = 2*m.ArousalHead.prob(s.za) - 1
	return p, s.z
}

func (h *Head) probs(dst *[NumClasses]float64, in, hid []float64) {
	if len(h.H) > 0 {
		hid = hid[:len(h.H)]
		for j, row := range h.H {
			s := h.HB[j]
			for i, w := range row {
				s += w * in[i]
			}
			hid[j] = math.Tanh(s)
		}
		in = hid
	}
	for c := range dst {
		s := h.B[c]
		for i, w := range h.W[c] {
			s += w * in[i]
		}
		dst[c] = s / h.Temperature
	}
	softmax(dst[:])
}

func softmax(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = math.Max(mx, x)
	}
	var s float64
	for i, x := range v {
		v[i] = math.Exp(x - mx)
		s += v[i]
	}
	for i := range v {
		v[i] /= s
	}
}

// finish fills top class, confidence and valence from the class probabilities:
// valence = Σ p_c·v_c with the per-class circumplex coordinates (Russell 1980), so it stays
// in [−1, 1] and agrees with the classes. Arousal is left alone: it comes from the arousal
// head, not from the classes.
func (m *Model) finish(p *Prediction) {
	p.Top, p.Confidence, p.Valence = 0, 0, 0
	for c, q := range p.Probs {
		if q > p.Confidence {
			p.Top, p.Confidence = c, q
		}
		p.Valence += q * m.Valence[c]
	}
}
