package asr

// TranscriptData is the payload of the transcript events this package emits. Its JSON
// names follow the transcript contract (issue 5: party, start, end, text, final|partial,
// lang, confidence) that POST /v1/calls/{id}/transcript shares.
//
// TODO(asr): replace with event.TranscriptData once internal/event/transcript.go lands
// (another engineer owns it); the JSON must stay the same.
type TranscriptData struct {
	Start      float64          `json:"start"` // media seconds since the call started
	End        float64          `json:"end"`
	Text       string           `json:"text"`
	Final      bool             `json:"final"`
	Lang       string           `json:"lang"`
	Confidence float64          `json:"confidence"` // 0..1 engine posterior
	Source     string           `json:"source"`     // engine name, e.g. "pocketsphinx"
	Words      []TranscriptWord `json:"words,omitempty"`
}

// TranscriptWord is one word of a transcript with its media times.
type TranscriptWord struct {
	Word       string  `json:"w"`
	Start      float64 `json:"start"`
	End        float64 `json:"end"`
	Confidence float64 `json:"conf"`
}
