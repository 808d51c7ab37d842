package intent

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Sample is one labelled utterance: the eval CSV's row, and the unit of training data.
type Sample struct {
	Text   string
	Lang   string
	Intent string
	Needs  []string
	Source string // corpus name or file name, for weighting and reports
	// Group is who or what wrote the line: one author's or one style's batch. Grouped
	// cross-validation holds whole groups out, so that a fold is scored on phrasing the
	// model has not seen from that writer. The CSV's optional "group" column; default the
	// file name.
	Group  string
	Labels []string
}

// labelMap maps (corpus, label) to a taxonomy intent; "" means drop.
type labelMap struct {
	m     map[string]map[string]string
	order map[string][]string // per corpus, labels in file order (NLU++ priority)
}

func readLabelMap(path string) (*labelMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("intent: label map: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("intent: label map %s: %w", path, err)
	}
	lm := &labelMap{m: map[string]map[string]string{}, order: map[string][]string{}}
	for i, row := range rows {
		if i == 0 || len(row) != 3 {
			continue
		}
		c, l, in := row[0], row[1], row[2]
		if lm.m[c] == nil {
			lm.m[c] = map[string]string{}
		}
		if in == "-" {
			in = ""
		} else if indexOf(Intents, in) < 0 {
			return nil, fmt.Errorf("intent: label map %s row %d: %q is not a TAXONOMY.md intent", path, i+1, in)
		}
		lm.m[c][l] = in
		lm.order[c] = append(lm.order[c], l)
	}
	return lm, nil
}

func (lm *labelMap) get(corpus, label string) string {
	c := lm.m[corpus]
	if in, ok := c[label]; ok {
		return in
	}
	return c["*"]
}

// ReadCSV reads a file in TAXONOMY.md's eval format: header text,lang,intent,needs, and
// optionally group (see Sample.Group).
func ReadCSV(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCSV(f, path)
}

func readCSV(rd io.Reader, name string) ([]Sample, error) {
	r := csv.NewReader(rd)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("intent: %s: %w", name, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("intent: %s: empty", name)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	for _, h := range []string{"text", "lang", "intent"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("intent: %s: header needs text,lang,intent,needs", name)
		}
	}
	var out []Sample
	for ln, row := range rows[1:] {
		get := func(h string) string {
			if i, ok := col[h]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		s := Sample{Text: get("text"), Lang: get("lang"), Intent: get("intent"), Source: filepath.Base(name), Group: get("group")}
		if s.Group == "" {
			s.Group = strings.TrimSuffix(filepath.Base(name), ".csv")
		}
		if s.Text == "" || s.Intent == "" {
			return nil, fmt.Errorf("intent: %s line %d: empty text or intent", name, ln+2)
		}
		for _, n := range strings.Split(get("needs"), ";") {
			if n = strings.TrimSpace(n); n != "" {
				s.Needs = append(s.Needs, n)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// corpora holds the mapped public corpora, split.
type corpora struct {
	train, dev []Sample
}

// loadCorpora reads every public corpus under dataDir and maps it onto the taxonomy.
// Train: Banking77 train, CLINC150 train + oos_train, Bitext (90 %), NLU++ banking folds
// 0–17, xSID valid (half). Dev: CLINC150 val + oos_val, Bitext (10 %), NLU++ 18–19,
// xSID valid (other half). Test splits (Banking77 test, CLINC150 test, xSID test) are never read here.
func loadCorpora(dataDir string, lm *labelMap) (*corpora, error) {
	c := &corpora{}
	add := func(dev bool, s Sample) {
		if s.Intent == "" {
			return
		}
		if dev {
			c.dev = append(c.dev, s)
		} else {
			c.train = append(c.train, s)
		}
	}
	b77, err := readBanking77(filepath.Join(dataDir, "banking77", "train.csv"))
	if err != nil {
		return nil, err
	}
	for _, s := range b77 {
		s.Intent = lm.get("banking77", s.Labels[0])
		add(false, s)
	}
	cl, err := readCLINC(filepath.Join(dataDir, "clinc150", "data_full.json"))
	if err != nil {
		return nil, err
	}
	// Fixed split order keeps training deterministic (map order is random).
	for _, split := range []string{"train", "oos_train", "val", "oos_val"} {
		for _, s := range cl[split] {
			s.Intent = lm.get("clinc150", s.Labels[0])
			add(strings.HasSuffix(split, "val"), s)
		}
	}
	bt, err := readBitext(filepath.Join(dataDir, "bitext-customer-support", "utterances.tsv"))
	if err != nil {
		return nil, err
	}
	for i, s := range bt {
		s.Intent = lm.get("bitext", s.Labels[0])
		add(i%10 == 0, s)
	}
	for fold := 0; fold < 20; fold++ {
		ss, err := readNLUPP(filepath.Join(dataDir, "nlupp", "data", "banking", fmt.Sprintf("fold%d.json", fold)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			for _, l := range lm.order["nlupp"] {
				if contains1(s.Labels, l) {
					s.Intent = lm.get("nlupp", l)
					break
				}
			}
			add(fold >= 18, s)
		}
	}
	for _, lang := range []string{"nl", "en"} {
		ss, err := readXSID(filepath.Join(dataDir, "xsid", lang+".valid.tsv"), lang)
		if err != nil {
			return nil, err
		}
		for i, s := range ss {
			s.Intent = lm.get("xsid", s.Labels[0])
			add(i%2 == 1, s)
		}
	}
	return c, nil
}

func contains1(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func readBanking77(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("intent: banking77: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("intent: %s: %w", path, err)
	}
	var out []Sample
	for i, r := range rows {
		if i == 0 || len(r) < 2 {
			continue
		}
		out = append(out, Sample{Text: r[0], Lang: "en", Source: "banking77", Labels: []string{r[1]}})
	}
	return out, nil
}

// readCLINC returns CLINC150's splits keyed train, val, test, oos_train, oos_val, oos_test.
func readCLINC(path string) (map[string][]Sample, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("intent: clinc150: %w", err)
	}
	var raw map[string][][2]string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("intent: %s: %w", path, err)
	}
	out := map[string][]Sample{}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, p := range raw[k] {
			out[k] = append(out[k], Sample{Text: p[0], Lang: "en", Source: "clinc150", Labels: []string{p[1]}})
		}
	}
	return out, nil
}

func readBitext(path string) ([]Sample, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("intent: bitext: %w", err)
	}
	var out []Sample
	for i, line := range strings.Split(string(b), "\n") {
		p := strings.Split(line, "\t")
		if i == 0 || len(p) < 4 {
			continue
		}
		out = append(out, Sample{Text: p[3], Lang: "en", Source: "bitext", Labels: []string{p[0]}})
	}
	return out, nil
}

func readNLUPP(path string) ([]Sample, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw []struct {
		Text    string   `json:"text"`
		Intents []string `json:"intents"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("intent: %s: %w", path, err)
	}
	out := make([]Sample, 0, len(raw))
	for _, r := range raw {
		out = append(out, Sample{Text: r.Text, Lang: "en", Source: "nlupp", Labels: r.Intents})
	}
	return out, nil
}

func readXSID(path, lang string) ([]Sample, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("intent: xsid: %w", err)
	}
	var out []Sample
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.SplitN(line, "\t", 2)
		if len(p) < 2 {
			continue
		}
		out = append(out, Sample{Text: p[1], Lang: lang, Source: "xsid-" + lang, Labels: []string{p[0]}})
	}
	return out, nil
}
