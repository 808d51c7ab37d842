package hints

import (
	"strings"
	"unicode"

	"github.com/undertone/undertone/internal/redact"
)

var fold = strings.NewReplacer("á", "a", "à", "a", "ä", "a", "â", "a", "é", "e", "è", "e", "ë", "e", "ê", "e",
	"í", "i", "ï", "i", "î", "i", "ó", "o", "ö", "o", "ô", "o", "ú", "u", "ü", "u", "û", "u", "’", "'", "‘", "'")

// normalize lower-cases s, folds accents and splits it into words; apostrophes stay
// inside words ("don't", "m'n"), '*' stays at the end of a word (phrase prefixes).
// Redaction placeholders ("[IBAN]") are not words the customer said and are dropped.
func normalize(s string) []string {
	s = fold.Replace(strings.ToLower(redact.StripPlaceholders(s)))
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '*')
	})
}

// phrase is a compiled playbook phrase: words, the last possibly a prefix.
type phrase struct {
	text   string
	words  []string
	prefix bool // the last word matches any word it begins
}

func compilePhrase(s string) phrase {
	w := normalize(s)
	p := phrase{text: strings.TrimSpace(s), words: w}
	if n := len(w); n > 0 && strings.HasSuffix(w[n-1], "*") {
		p.prefix = true
		w[n-1] = strings.TrimSuffix(w[n-1], "*")
	}
	return p
}

// in reports whether the phrase occurs in words (a normalized utterance).
func (p phrase) in(words []string) bool {
	n := len(p.words)
	if n == 0 {
		return false
	}
outer:
	for i := 0; i+n <= len(words); i++ {
		for j, w := range p.words {
			u := words[i+j]
			if j == n-1 && p.prefix {
				if !strings.HasPrefix(u, w) {
					continue outer
				}
			} else if u != w {
				continue outer
			}
		}
		return true
	}
	return false
}

// stop words left out when comparing utterances for repetition.
var stop = set("the", "and", "you", "your", "that", "this", "for", "with", "have", "are", "was", "but", "not",
	"can", "what", "why", "how", "just", "still", "yes", "okay", "please", "there", "then", "they", "them",
	"het", "een", "van", "dat", "die", "wat", "met", "voor", "niet", "maar", "ook", "nog", "wel", "dan", "als",
	"heb", "hebt", "heeft", "ben", "bent", "kan", "kunt", "mijn", "jullie", "waarom", "hoe", "zijn", "wordt",
	"ik", "je", "ja", "nee", "nou", "dus", "even", "gewoon", "eigenlijk", "hoor", "toch", "uhm", "ehm", "uh")

// content returns the distinct content words of an utterance.
func content(words []string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		if len([]rune(w)) >= 3 && !stop[w] {
			m[w] = true
		}
	}
	return m
}

// overlap is |a∩b| / min(|a|,|b|): how much of the shorter utterance the longer repeats.
func overlap(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 0
	for w := range a {
		if b[w] {
			n++
		}
	}
	return float64(n) / float64(min(len(a), len(b)))
}
