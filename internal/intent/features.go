package intent

import (
	"math"
	"sort"
	"strings"
)

// feat is one active hashed feature with its value and the index of the word it came from
// (-1 for features spanning words or the whole utterance), for evidence.
type feat struct {
	idx  int32
	val  float32
	word int32
}

// featurizer turns text into hashed sparse features. It is immutable after construction.
type featurizer struct {
	dim  int // number of hash buckets, a power of two
	wp   *wordPiece
	cues []cue // need cue phrases; may be nil
}

// cue is a need cue phrase (lower-cased words) from cues.tsv.
type cue struct {
	need  string
	lang  string
	words []string
}

// fnv1a hashes s with a namespace byte so feature families do not collide by design.
func fnv1a(ns byte, s string) uint32 {
	h := uint32(2166136261)
	h ^= uint32(ns)
	h *= 16777619
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// extract returns the features of text (L2-normalised values) and the words they refer to.
func (f *featurizer) extract(text string) ([]feat, []string) {
	ws := words(text)
	return f.features(ws), ws
}

// features returns the features of the words ws.
func (f *featurizer) features(ws []string) []feat {
	fs := make([]feat, 0, 16*len(ws)+8)
	mask := uint32(f.dim - 1)
	add := func(ns byte, s string, word int, v float32) {
		fs = append(fs, feat{idx: int32(fnv1a(ns, s) & mask), val: v, word: int32(word)})
	}
	add('B', "", -1, 1) // bias-like feature shared by all utterances
	for i, w := range ws {
		add('w', w, i, 1)
		if i+1 < len(ws) {
			add('b', w+" "+ws[i+1], -1, 1)
			// The pair written as one word: recognisers and hurried typists split Dutch
			// compounds and separable verbs ("op zeggen", "inter net", "over stappen"),
			// which then share a feature with the whole word.
			add('w', w+ws[i+1], i, 0.5)
		}
		// Character n-grams of the padded word catch compounds, inflection and ASR
		// misspellings ("afschrijving", "afgeschreven", "afschrijvng").
		p := "<" + w + ">"
		for n := 3; n <= 5; n++ {
			for j := 0; j+n <= len(p); j++ {
				add('c', p[j:j+n], i, 0.4)
			}
		}
	}
	// How the request opens, past the greeting and fillers: "what happens if …", "is
	// there …", "how do you …" ask about a topic; "someone has …", "I've been charged …"
	// report it. The same words later in a turn weigh as ordinary words.
	if i := openingWord(ws); i >= 0 {
		add('s', ws[i], i, 1)
		if i+1 < len(ws) {
			add('s', ws[i]+" "+ws[i+1], -1, 1)
		}
	}
	if f.wp != nil {
		// WordPiece tokens of the lower-cased text: the multilingual vocabulary splits
		// unseen Dutch words into known pieces.
		for _, t := range f.wp.tokens(strings.Join(ws, " ")) {
			add('p', t, -1, 0.5)
		}
	}
	for _, c := range f.cues {
		if at := findPhrase(ws, c.words); at >= 0 {
			add('q', c.need, at, cueWeight)
		}
	}
	// Merge duplicates, then L2-normalise.
	sort.Slice(fs, func(a, b int) bool { return fs[a].idx < fs[b].idx })
	out := fs[:0]
	for _, x := range fs {
		if n := len(out); n > 0 && out[n-1].idx == x.idx {
			out[n-1].val += x.val
			if out[n-1].word < 0 {
				out[n-1].word = x.word
			}
			continue
		}
		out = append(out, x)
	}
	var ss float64
	for _, x := range out {
		ss += float64(x.val) * float64(x.val)
	}
	if ss > 0 {
		inv := float32(1 / math.Sqrt(ss))
		for i := range out {
			out[i].val *= inv
		}
	}
	return out
}

// openers are greetings and fillers a caller says before the request.
var openers = map[string]bool{"yeah": true, "yes": true, "yep": true, "hi": true, "hello": true, "hiya": true, "hey": true,
	"um": true, "uh": true, "er": true, "erm": true, "uhm": true, "eh": true, "ehm": true, "so": true, "right": true, "okay": true,
	"ok": true, "oke": true, "oké": true, "well": true, "morning": true, "afternoon": true, "good": true,
	"ja": true, "hallo": true, "hoi": true, "nou": true, "dag": true, "goedemorgen": true, "goedemiddag": true, "goedenavond": true,
	"oh": true, "ah": true, "and": true, "en": true, "dus": true, "sorry": true, "please": true, "g'day": true, "howdy": true}

// openingWord returns the index of the first word that is not a greeting or filler among
// the first six, or -1.
func openingWord(ws []string) int {
	for i, w := range ws {
		if i == 6 {
			break
		}
		if !openers[w] {
			return i
		}
	}
	return -1
}

// cueWeight is the raw value of a need cue feature before normalisation: a cue is one
// feature among a hundred or so character n-grams, so it is made to stand out.
var cueWeight float32 = 4

// findPhrase returns the index of the first word of phrase in ws, or -1. A phrase word
// ending in "*" matches any word with that prefix.
func findPhrase(ws, phrase []string) int {
	if len(phrase) == 0 {
		return -1
	}
outer:
	for i := 0; i+len(phrase) <= len(ws); i++ {
		for j, p := range phrase {
			if !wordMatch(ws[i+j], p) {
				continue outer
			}
		}
		return i
	}
	return -1
}

func wordMatch(w, p string) bool {
	if strings.HasSuffix(p, "*") {
		return strings.HasPrefix(w, p[:len(p)-1])
	}
	return w == p
}
