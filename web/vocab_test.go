package web

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runVocab runs vocab.js under node in lang with the calls in js (an expression whose
// value is printed as JSON), the pages' browser globals stood in for.
func runVocab(t *testing.T, lang, js string) map[string]string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: the vocabulary test is skipped (the browser tests still read Dutch pages)")
	}
	dir, _ := os.Getwd()
	script := `globalThis.location = new URL('http://x/?lang=` + lang + `');
globalThis.localStorage = { getItem: () => null, setItem() {} };
const v = await import('file://` + filepath.ToSlash(filepath.Join(dir, "vocab.js")) + `');
console.log(JSON.stringify(` + js + `));`
	f := filepath.Join(t.TempDir(), "vocab.mjs")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, f).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return m
}

// The hint engine writes evidence as English sentences (internal/hints/match.go); a Dutch
// agent reads each of them in Dutch, with TAXONOMY ids and emotions named.
func TestEvidenceInDutch(t *testing.T) {
	cases := map[string]string{
		`need repeat_contact 0.82: "al drie keer"`:                                       `behoefte herhaald contact 0.82: "al drie keer"`,
		`billing_question 0.81: "factuur", "hoog"`:                                       `vraag over de factuur 0.81: "factuur", "hoog"`,
		`customer sounds angry (0.72)`:                                                   `klant klinkt boos (0.72)`,
		`customer sounds fearful (0.61)`:                                                 `klant klinkt bezorgd (0.61)`,
		`arousal +0.42 above the caller's own baseline`:                                  `activatie +0.42 boven de eigen basislijn van de beller`,
		`valence -0.30 below the caller's own baseline`:                                  `valentie −0.30 onder de eigen basislijn van de beller`,
		`arousal rising over the last 3 utterances: 0.10 → 0.30 → 0.52`:                  `activatie stijgt over de laatste 3 uitingen: 0.10 → 0.30 → 0.52`,
		`negative emotion rising over the last 3 utterances: 0.20 → 0.40 → 0.61`:         `negatieve emotie stijgt over de laatste 3 uitingen: 0.20 → 0.40 → 0.61`,
		`customer asks again: "waar blijft mijn pas" (earlier: "wanneer komt mijn pas")`: `klant vraagt opnieuw: "waar blijft mijn pas" (eerder: "wanneer komt mijn pas")`,
		`12 s of silence on the line`:                                                    `12 s stilte op de lijn`,
		`agent talking over the customer`:                                                `agent praat door de klant heen`,
		`agent cut the customer off 3 times`:                                             `agent onderbrak de klant 3 keer`,
		`agent has 72% of the talk time`:                                                 `agent heeft 72 % van de spreektijd`,
		`"opzeggen" in "ik wil mijn abonnement opzeggen"`:                                `"opzeggen" in "ik wil mijn abonnement opzeggen"`,
		`something the patterns do not know`:                                             `something the patterns do not know`,
	}
	var keys []string
	for k := range cases {
		keys = append(keys, k)
	}
	arg, _ := json.Marshal(keys)
	got := runVocab(t, "nl", `Object.fromEntries(`+string(arg)+`.map((k) => [k, v.evidenceText(k)]))`)
	for in, want := range cases {
		if got[in] != want {
			t.Errorf("evidence %q in Dutch reads %q, want %q", in, got[in], want)
		}
	}
}

// End reasons are words people use, and a broken connection is never "hung up".
func TestEndReasons(t *testing.T) {
	js := `Object.fromEntries(['hangup', 'connection_lost', 'timeout', 'shutdown', 'error', 'interrupted', 'new_reason'].map((r) => [r, v.endReason(r)]))`
	for lang, want := range map[string]map[string]string{
		"en": {"hangup": "hung up", "connection_lost": "connection lost", "new_reason": "new reason"},
		"nl": {"hangup": "opgehangen", "connection_lost": "verbinding verbroken"},
	} {
		got := runVocab(t, lang, js)
		for r, w := range want {
			if got[r] != w {
				t.Errorf("%s: end reason %s reads %q, want %q", lang, r, got[r], w)
			}
		}
		for r, s := range got {
			if s == "" || s == r && r != "new_reason" {
				t.Errorf("%s: end reason %s has no words: %q", lang, r, s)
			}
			if r != "hangup" && (strings.Contains(s, "hung") || strings.Contains(s, "opgehangen")) {
				t.Errorf("%s: end reason %s reads as a hang-up: %q", lang, r, s)
			}
		}
	}
}

// The wallboard's "why" agrees with the status it came with: the negative-emotion reason
// names the share it is about, and says so when another class is on top.
func TestWhyAgreesWithTheCustomer(t *testing.T) {
	got := runVocab(t, "en", `{
		happy: v.whyText('negative emotion (angry)', { top: 'happy', confidence: 0.77, negative: 0.23 }),
		angry: v.whyText('negative emotion (angry)', { top: 'angry', confidence: 0.64, negative: 0.7 }),
		none: v.whyText('negative emotion (sad)', null),
		silence: v.whyText('long silence', { top: 'neutral' }),
	}`)
	if got["happy"] != "happy on top, but 23 % negative (angry)" {
		t.Errorf("beside happy 77 %%: %q", got["happy"])
	}
	if got["angry"] != "negative emotion 70 % (angry)" {
		t.Errorf("beside angry: %q", got["angry"])
	}
	if got["none"] != "negative emotion 0 % (sad)" || got["silence"] != "long silence" {
		t.Errorf("other reasons: %q, %q", got["none"], got["silence"])
	}
}
