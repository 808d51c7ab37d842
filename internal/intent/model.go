package intent

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/models"
)

// File names inside a model directory.
const (
	MetaFile      = "intent.json"
	WeightsFile   = "weights.bin.gz"
	TokenizerFile = "tokenizer.json"
	CuesFile      = "cues.tsv"
	OutOfScope    = "out_of_scope"
)

// ErrModel is returned (wrapped) when a model directory is missing a file or is malformed.
var ErrModel = errors.New("intent: bad model")

// Meta is the model's JSON header: labels, calibration, thresholds and provenance.
type Meta struct {
	Version     int      `json:"version"`
	Created     string   `json:"created"`
	Command     string   `json:"command"`
	Dim         int      `json:"dim"`
	Intents     []string `json:"intents"`
	Needs       []string `json:"needs"`
	Temperature float64  `json:"temperature"`
	Threshold   float64  `json:"threshold"` // abstain when the top in-scope probability is below
	// InScopeFloor: when out_of_scope is the most probable class but the best in-scope
	// class still has at least this probability, answer that class (0: always abstain).
	InScopeFloor   float64   `json:"in_scope_floor,omitempty"`
	NeedThresholds []float64 `json:"need_thresholds"` // per need, on the sigmoid output
	// NeedCueThresholds apply instead when one of the need's cue phrases occurs (optional).
	NeedCueThresholds []float64          `json:"need_cue_thresholds,omitempty"`
	IntentScale       []float32          `json:"intent_scale"` // int8 dequantisation scale per intent
	NeedScale         []float32          `json:"need_scale"`
	IntentBias        []float32          `json:"intent_bias"`
	NeedBias          []float32          `json:"need_bias"`
	Scores            map[string]float64 `json:"scores,omitempty"`
}

// Model is a loaded intent classifier and need detector. Immutable; safe for concurrent use.
type Model struct {
	meta   Meta
	fz     *featurizer
	intent *softmaxLR
	needs  *softmaxLR
	oos    int // index of out_of_scope in meta.Intents, -1 if absent
}

// Need is one detected underlying need.
type Need struct {
	ID string `json:"id"`
	// Confidence is 0.5 at the need's tuned threshold and rises towards 1 beyond it
	// (atThreshold); a detected need has at least 0.5.
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence,omitempty"`
}

// Alt is a runner-up intent.
type Alt struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Result is the classification of one utterance.
type Result struct {
	Intent     string   `json:"intent"`     // TAXONOMY.md id; out_of_scope when abstaining
	Confidence float64  `json:"confidence"` // calibrated probability of Intent
	Abstained  bool     `json:"abstained"`
	Lang       string   `json:"lang"`
	Needs      []Need   `json:"needs,omitempty"`
	Evidence   []string `json:"evidence,omitempty"` // words that drove the intent
	Alts       []Alt    `json:"alts,omitempty"`     // best other intents, highest first (at most 3)
}

// Event converts the result into the intent event payload.
func (r Result) Event() event.IntentData {
	d := event.IntentData{Intent: r.Intent, Confidence: r.Confidence, Lang: r.Lang,
		Evidence: r.Evidence, Abstained: r.Abstained}
	for _, n := range r.Needs {
		d.Needs = append(d.Needs, event.NeedScore{ID: n.ID, Confidence: n.Confidence, Evidence: n.Evidence})
	}
	for _, a := range r.Alts {
		d.Alts = append(d.Alts, event.IntentAlt{Intent: a.Intent, Confidence: a.Confidence})
	}
	return d
}

// LoadDefault loads the model bundled in the binary (models/intent).
func LoadDefault() (*Model, error) {
	sub, err := fs.Sub(models.FS, "intent")
	if err != nil {
		return nil, fmt.Errorf("intent: embedded model: %w", err)
	}
	return LoadFS(sub)
}

// Load loads a model from a directory written by TrainCommand.
func Load(dir string) (*Model, error) { return LoadFS(os.DirFS(dir)) }

// LoadFS loads a model from a file system holding MetaFile, WeightsFile, TokenizerFile and
// (optionally) CuesFile.
func LoadFS(fsys fs.FS) (*Model, error) {
	raw, err := fs.ReadFile(fsys, MetaFile)
	if err != nil {
		return nil, fmt.Errorf("intent: %s: %w", MetaFile, err)
	}
	var meta Meta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("intent: %s: %w: %v", MetaFile, ErrModel, err)
	}
	C, N, D := len(meta.Intents), len(meta.Needs), meta.Dim
	if C == 0 || D <= 0 || D&(D-1) != 0 || len(meta.IntentScale) != C || len(meta.IntentBias) != C ||
		len(meta.NeedScale) != N || len(meta.NeedBias) != N || len(meta.NeedThresholds) != N ||
		(meta.NeedCueThresholds != nil && len(meta.NeedCueThresholds) != N) {
		return nil, fmt.Errorf("intent: %s: %w: inconsistent sizes", MetaFile, ErrModel)
	}
	tf, err := fsys.Open(TokenizerFile)
	if err != nil {
		return nil, fmt.Errorf("intent: %s: %w", TokenizerFile, err)
	}
	wp, err := newWordPiece(tf)
	tf.Close()
	if err != nil {
		return nil, err
	}
	cues, err := readCuesFS(fsys)
	if err != nil {
		return nil, err
	}
	wf, err := fsys.Open(WeightsFile)
	if err != nil {
		return nil, fmt.Errorf("intent: %s: %w", WeightsFile, err)
	}
	defer wf.Close()
	zr, err := gzip.NewReader(wf)
	if err != nil {
		return nil, fmt.Errorf("intent: %s: %w: %v", WeightsFile, ErrModel, err)
	}
	q := make([]int8, D*(C+N))
	if err := binary.Read(bufio.NewReader(zr), binary.LittleEndian, q); err != nil {
		return nil, fmt.Errorf("intent: %s: %w: %v", WeightsFile, ErrModel, err)
	}
	m := &Model{meta: meta, fz: &featurizer{dim: D, wp: wp, cues: cues}, oos: -1}
	m.intent = dequant(q[:D*C], C, D, meta.IntentScale, meta.IntentBias)
	m.needs = dequant(q[D*C:], N, D, meta.NeedScale, meta.NeedBias)
	for i, l := range meta.Intents {
		if l == OutOfScope {
			m.oos = i
		}
	}
	return m, nil
}

func dequant(q []int8, C, D int, scale, bias []float32) *softmaxLR {
	m := &softmaxLR{C: C, D: D, w: make([]float32, C*D), b: append([]float32(nil), bias...)}
	for i, v := range q {
		m.w[i] = float32(v) * scale[i%C]
	}
	return m
}

func quant(m *softmaxLR) ([]int8, []float32) {
	scale := make([]float32, m.C)
	for i, v := range m.w {
		c := i % m.C
		scale[c] = max(scale[c], float32(math.Abs(float64(v))))
	}
	for c := range scale {
		scale[c] /= 127
		if scale[c] == 0 {
			scale[c] = 1
		}
	}
	q := make([]int8, len(m.w))
	for i, v := range m.w {
		q[i] = int8(math.Round(float64(v / scale[i%m.C])))
	}
	return q, scale
}

// save writes meta and weights (and copies the tokenizer and cues) into dir.
func save(dir string, meta Meta, intent, needs *softmaxLR, tokenizerJSON, cuesTSV []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	qi, si := quant(intent)
	qn, sn := quant(needs)
	meta.IntentScale, meta.NeedScale = si, sn
	meta.IntentBias, meta.NeedBias = intent.b, needs.b
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := binary.Write(zw, binary.LittleEndian, append(qi, qn...)); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	mj, err := json.MarshalIndent(meta, "", " ")
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{MetaFile: mj, WeightsFile: buf.Bytes(), TokenizerFile: tokenizerJSON, CuesFile: cuesTSV} {
		if b == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Meta returns the model's header (labels, thresholds, scores).
func (m *Model) Meta() Meta { return m.meta }

// ClassifyEvent is Classify as the intent event payload: the shape of
// transcript.ClassifyFunc, so a loaded model plugs into the call's intent stage as is.
func (m *Model) ClassifyEvent(text, lang string) event.IntentData {
	return m.Classify(text, lang).Event()
}

// Classify returns the intent and needs of one utterance. lang is "nl" or "en" (a BCP 47
// tag such as "nl-BE" counts as its primary language); empty or any other language is
// detected from the text, as the model knows only these two.
func (m *Model) Classify(text, lang string) Result {
	fs, ws := m.fz.extract(text)
	lang = strings.ToLower(lang)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	if lang != "nl" && lang != "en" {
		lang = detectWords(ws)
	}
	res := Result{Lang: lang}
	C := m.intent.C
	probs := make([]float64, C)
	m.intent.logits(fs, probs)
	softmaxT(probs, m.meta.Temperature)
	order := make([]int, C)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
	best := order[0]
	if best == m.oos && C > 1 {
		best = order[1]
	}
	switch {
	case len(ws) == 0:
		res.Intent, res.Confidence, res.Abstained = OutOfScope, 1, true
	case order[0] == m.oos && !(m.meta.InScopeFloor > 0 && probs[best] >= m.meta.InScopeFloor):
		res.Intent, res.Confidence, res.Abstained = OutOfScope, probs[m.oos], true
	case probs[best] < m.meta.Threshold:
		res.Intent, res.Confidence, res.Abstained = OutOfScope, 1-probs[best], true
	default:
		res.Intent, res.Confidence = m.meta.Intents[best], probs[best]
	}
	for _, c := range order {
		if len(res.Alts) == 3 {
			break
		}
		if m.meta.Intents[c] != res.Intent && probs[c] >= 0.05 {
			res.Alts = append(res.Alts, Alt{m.meta.Intents[c], probs[c]})
		}
	}
	if len(ws) > 0 {
		res.Evidence = m.evidence(m.intent, fs, ws, best, true)
	}
	res.Needs = m.detectNeeds(fs, ws)
	return res
}

// detectNeeds applies the one-vs-rest need heads.
func (m *Model) detectNeeds(fs []feat, ws []string) []Need {
	N := m.needs.C
	if N == 0 || len(ws) == 0 {
		return nil
	}
	z := make([]float64, N)
	m.needs.logits(fs, z)
	cued := m.cueEvidence(ws)
	var out []Need
	for n, v := range z {
		p := 1 / (1 + math.Exp(-v))
		id := m.meta.Needs[n]
		ev := cued[id]
		thr := m.meta.NeedThresholds[n]
		if ev != nil && m.meta.NeedCueThresholds != nil {
			thr = min(thr, m.meta.NeedCueThresholds[n])
		}
		if p < thr {
			continue
		}
		if ev == nil {
			ev = m.evidence(m.needs, fs, ws, n, false)
		}
		out = append(out, Need{ID: id, Confidence: atThreshold(p, thr), Evidence: ev})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Confidence > out[b].Confidence })
	return out
}

// atThreshold maps a need head's probability p onto a confidence that is 0.5 exactly at
// the need's tuned threshold thr: sigmoid(logit(p) − logit(thr)). The heads' raw outputs
// are not comparable across needs (their thresholds run from 0.05 with a cue phrase to
// 0.7), while the hint engine reads one scale (playbook min_need_confidence 0.5; the
// intent stage's 0.8 for an embedded recogniser): on this scale 0.5 is "detected at the
// operating point tuned on held-out lines" and higher is further beyond it.
func atThreshold(p, thr float64) float64 {
	logit := func(x float64) float64 {
		x = math.Min(math.Max(x, 1e-6), 1-1e-6)
		return math.Log(x / (1 - x))
	}
	return 1 / (1 + math.Exp(-(logit(p) - logit(thr))))
}

// cueEvidence returns, per need, up to three of its cue phrases found in ws.
func (m *Model) cueEvidence(ws []string) map[string][]string {
	var ev map[string][]string
	for _, c := range m.fz.cues {
		if len(ev[c.need]) == 3 {
			continue
		}
		if at := findPhrase(ws, c.words); at >= 0 {
			if ev == nil {
				ev = map[string][]string{}
			}
			ev[c.need] = append(ev[c.need], strings.Join(ws[at:at+len(c.words)], " "))
		}
	}
	return ev
}

// evidence returns up to three words whose features pushed class c up the most; for the
// softmax the push is measured against the mean over classes.
func (m *Model) evidence(lr *softmaxLR, fs []feat, ws []string, c int, relative bool) []string {
	contrib := make([]float64, len(ws))
	C := lr.C
	for _, f := range fs {
		if f.word < 0 || int(f.word) >= len(ws) {
			continue
		}
		row := lr.w[int(f.idx)*C : int(f.idx)*C+C]
		v := float64(row[c])
		if relative {
			mean := 0.0
			for _, x := range row {
				mean += float64(x)
			}
			v -= mean / float64(C)
		}
		contrib[f.word] += v * float64(f.val)
	}
	idx := make([]int, len(ws))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return contrib[idx[a]] > contrib[idx[b]] })
	var out []string
	seen := map[string]bool{}
	for _, i := range idx {
		if len(out) == 3 || contrib[i] <= 0 {
			break
		}
		if !seen[ws[i]] && !nlStop[ws[i]] && !enStop[ws[i]] {
			seen[ws[i]] = true
			out = append(out, ws[i])
		}
	}
	return out
}

// readCuesFS reads CuesFile: lines "need<TAB>lang<TAB>phrase", # comments. Absent is fine.
func readCuesFS(fsys fs.FS) ([]cue, error) {
	b, err := fs.ReadFile(fsys, CuesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("intent: %s: %w", CuesFile, err)
	}
	return parseCues(bytes.NewReader(b))
}

func parseCues(r io.Reader) ([]cue, error) {
	var out []cue
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		parts := strings.Split(s, "\t")
		if len(parts) != 3 {
			return nil, fmt.Errorf("intent: %s line %d: want need<TAB>lang<TAB>phrase: %w", CuesFile, line, ErrModel)
		}
		ws := words(strings.ReplaceAll(parts[2], "*", "STARMARK"))
		for i, w := range ws {
			ws[i] = strings.ReplaceAll(w, "starmark", "*")
		}
		if len(ws) == 0 {
			continue
		}
		out = append(out, cue{need: parts[0], lang: parts[1], words: ws})
	}
	return out, sc.Err()
}
