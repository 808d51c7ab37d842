package intent

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"

	"github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/pretrained"

	"github.com/undertone/undertone/internal/redact"
)

// wordPiece wraps a sugarme WordPiece tokenizer. The library keeps per-call state that is
// not documented as safe for concurrent use, so calls are serialised (≈0.1 ms each).
type wordPiece struct {
	mu sync.Mutex
	tk *tokenizer.Tokenizer
}

// newWordPiece reads a Hugging Face tokenizer.json (never downloads anything).
func newWordPiece(r io.Reader) (*wordPiece, error) {
	tk, err := pretrained.FromReader(r)
	if err != nil {
		return nil, fmt.Errorf("intent: tokenizer: %w", err)
	}
	return &wordPiece{tk: tk}, nil
}

// tokens returns the WordPiece tokens of text without special tokens.
func (w *wordPiece) tokens(text string) []string {
	if w == nil || text == "" {
		return nil
	}
	w.mu.Lock()
	enc, err := w.tk.EncodeSingle(text, false)
	w.mu.Unlock()
	if err != nil || enc == nil {
		return nil
	}
	return enc.GetTokens()
}

// words splits text into lower-cased words: letters and digits, with apostrophes and
// hyphens inside words kept ("'s", "e-mail"). Digits are collapsed to "0" so amounts and
// dates share features.
func words(text string) []string {
	// Redaction placeholders ("[IBAN]") are masked: as words ("iban", "phone") they pulled
	// utterances towards intents they have nothing to do with ("[PHONE]" read as
	// card_lost_or_stolen 0.39).
	text = redact.StripPlaceholders(text)
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			w := b.String()
			if std, ok := spoken[w]; ok {
				out = append(out, std...)
			} else {
				out = append(out, w)
			}
			b.Reset()
		}
	}
	rs := []rune(text)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsDigit(r):
			b.WriteByte('0')
		case (r == '\'' || r == '-' || r == '’') && b.Len() > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			b.WriteRune('\'')
		default:
			flush()
		}
	}
	flush()
	return out
}

// spoken maps colloquial and chat spellings onto the written forms the corpora and most
// training lines use, so that "m'n", "ff" and "gonna" share features with "mijn",
// "even" and "going to". Only unambiguous forms: a bare "k" or "me" (Dutch "ik" and
// "mij", British "my") and "u" (Dutch for "you") stay as they are.
var spoken = func() map[string][]string {
	m := map[string][]string{}
	for _, p := range [][2]string{
		{"m'n", "mijn"}, {"z'n", "zijn"}, {"d'r", "haar"}, {"'t", "het"}, {"da's", "dat is"},
		{"ff", "even"}, {"effe", "even"}, {"efkes", "even"}, {"nie", "niet"}, {"nog's", "nog eens"},
		{"gij", "jij"}, {"zo'n", "zo een"}, {"wa", "wat"}, {"hoezo", "waarom"},
		{"gonna", "going to"}, {"wanna", "want to"}, {"gotta", "got to"}, {"kinda", "kind of"},
		{"dunno", "do not know"}, {"ain't", "is not"}, {"ya", "you"}, {"ur", "your"},
		{"pls", "please"}, {"plz", "please"}, {"cos", "because"}, {"cuz", "because"}, {"coz", "because"},
		{"thx", "thanks"}, {"tho", "though"}, {"innit", "is it not"},
	} {
		m[p[0]] = strings.Fields(p[1])
	}
	return m
}()
