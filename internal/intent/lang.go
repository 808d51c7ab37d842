package intent

// Language detection for nl/en by stop-word counts: enough for customer utterances, which
// are short but full of function words.

var nlStop = setOf("de het een ik je jij u uw mijn is niet wat dat die dit en van op te " +
	"met voor naar er maar ook nog al wel geen hoe waarom wanneer waar kan kunt wil wilt " +
	"heb hebt heeft ben bent zijn was mij me we wij ze zij hij om bij of dan nu graag alstublieft " +
	"bedankt dank nee ja ehm nou hè zo even gewoon moet moeten word wordt worden mag zou")

var enStop = setOf("the a an i you your my is not what that this and of on to with for at " +
	"it its there but also still no how why when where can could would want have has had " +
	"am are was were me we they he she do does did please thanks thank yes hi hello so just " +
	"need get got been be will from about if")

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words(s) {
		m[w] = true
	}
	return m
}

// DetectLang returns "nl" or "en" for text, "en" on a tie (the larger training corpus).
func DetectLang(text string) string {
	return detectWords(words(text))
}

func detectWords(ws []string) string {
	nl, en := 0, 0
	for _, w := range ws {
		if nlStop[w] {
			nl++
		}
		if enStop[w] {
			en++
		}
		// Dutch orthography that English lacks.
		if len(w) > 3 && (contains(w, "ij") || contains(w, "oe") || contains(w, "ui") || contains(w, "aa")) {
			nl++
		}
	}
	if nl > en {
		return "nl"
	}
	return "en"
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
