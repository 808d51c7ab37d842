// Package intent classifies one utterance of a contact-centre call into a TAXONOMY.md
// intent (with an explicit out_of_scope abstain) and detects the underlying needs ("de
// vraag achter de vraag"), in Dutch and English.
//
// Stage: analysis, after transcripts. A Model is loaded once (LoadDefault from the
// embedded models.FS, or Load from a directory), is immutable afterwards and safe for
// concurrent use; Classify runs in pure Go in well under a millisecond.
//
// Model: hashed sparse features (lower-cased words and word bigrams, character 3–5-grams
// inside words, multilingual cased WordPiece tokens from github.com/sugarme/tokenizer, and
// need cue phrases from a data file) feed a multinomial logistic regression for the intent
// (temperature-calibrated, abstaining below a threshold tuned on CLINC150's out-of-scope
// queries) and one-vs-rest logistic regressions for the needs. Training (TrainCommand)
// reads Banking77, CLINC150, NLU++, Bitext and xSID mapped onto the taxonomy through
// labelmap.csv, plus hand-written Dutch and English call-centre lines.
package intent
