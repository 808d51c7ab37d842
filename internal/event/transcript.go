package event

// TranscriptData is the payload of a transcript event: one party's recognised speech for
// one segment. Partial results for a segment may follow each other (same Segment, growing
// text); the final one commits it. Producers: the transcript endpoint
// (POST /v1/calls/{id}/transcript, Source "integrator") and the embedded recognisers
// (internal/asr, Source the engine name). Text is redacted before it is emitted.
type TranscriptData struct {
	Segment    string           `json:"segment"` // stable per segment: partials and the final share it
	Start      float64          `json:"start"`   // media seconds since the call started
	End        float64          `json:"end"`
	Text       string           `json:"text"`
	Final      bool             `json:"final"`
	Lang       string           `json:"lang,omitempty"`     // BCP 47 primary tag: nl, en
	Confidence float64          `json:"confidence"`         // 0..1 as reported by the recogniser
	Source     string           `json:"source,omitempty"`   // integrator, pocketsphinx, …
	Redacted   int              `json:"redacted,omitempty"` // spans replaced by redaction
	Words      []TranscriptWord `json:"words,omitempty"`    // optional word timings
}

// TranscriptWord is one word of a transcript with its media times.
type TranscriptWord struct {
	Word       string  `json:"w"`
	Start      float64 `json:"start"`
	End        float64 `json:"end"`
	Confidence float64 `json:"conf"`
}

// TranscriptSourceIntegrator marks transcripts pushed by an integrator's own ASR.
const TranscriptSourceIntegrator = "integrator"
