package emotion

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Item is one row of a corpus manifest. Columns (header names, any order; the first three
// are required): file (WAV path under wav/), speaker, emotion (the corpus label; see
// defaultLabelMap), and optionally gender, text_id (what was said), intensity ("normal" or
// "strong") and corpus (a name; default: the folder name). RAVDESS manifests carry no
// intensity column: it is read from the fourth field of RAVDESS file names
// (03-01-EE-II-SS-RR-AA.wav, II = 01 normal, 02 strong).
type Item struct {
	Path      string // absolute path of the WAV
	File      string // as in the manifest, relative to wav/
	Corpus    string
	Speaker   string // corpus-qualified: "<corpus>/<speaker>"
	Gender    string
	Label     string // corpus emotion label, lowercase
	TextID    string
	Intensity string // "normal", "strong" or ""
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
		it := Item{
			Path:      filepath.Join(dir, "wav", get(rec, "file")),
			File:      get(rec, "file"),
			Corpus:    c,
			Speaker:   c + "/" + get(rec, "speaker"),
			Gender:    strings.ToLower(get(rec, "gender")),
			Label:     strings.ToLower(get(rec, "emotion")),
			TextID:    get(rec, "text_id"),
			Intensity: strings.ToLower(get(rec, "intensity")),
		}
		if it.Intensity == "" {
			it.Intensity = ravdessIntensity(it.File)
		}
		if it.File == "" || get(rec, "speaker") == "" || it.Label == "" {
			return nil, fmt.Errorf("emotion: corpus %s: manifest line %d: empty file, speaker or emotion: %w", dir, line, ErrCorpus)
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("emotion: corpus %s: empty manifest: %w", dir, ErrCorpus)
	}
	return items, nil
}

// ravdessIntensity reads the intensity field of a RAVDESS file name
// (modality-channel-emotion-intensity-statement-repetition-actor.wav), or "".
func ravdessIntensity(file string) string {
	f := strings.Split(strings.TrimSuffix(filepath.Base(file), ".wav"), "-")
	if len(f) != 7 || f[0] != "03" {
		return ""
	}
	switch f[3] {
	case "01":
		return "normal"
	case "02":
		return "strong"
	}
	return ""
}
