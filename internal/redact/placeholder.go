package redact

import "strings"

// placeholders are the texts Redact puts in place of a span, one per kind.
var placeholders = strings.NewReplacer("["+KindIBAN+"]", " ", "["+KindCard+"]", " ", "["+KindBSN+"]", " ",
	"["+KindPhone+"]", " ", "["+KindAmount+"]", " ")

// StripPlaceholders replaces every placeholder Redact writes ("[IBAN]", "[PHONE]", …)
// with a space, for models and word rules: a placeholder is not something the speaker
// said, and as a word ("iban", "phone", "card") it pulls text towards meanings it does
// not have.
func StripPlaceholders(text string) string {
	if !strings.Contains(text, "[") {
		return text
	}
	return placeholders.Replace(text)
}
