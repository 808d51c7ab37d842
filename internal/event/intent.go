package event

// IntentData is the payload of an intent event: what one utterance of a party asks for
// (TAXONOMY.md intent id) and the underlying needs it reveals, from internal/intent.
// Intent is "out_of_scope" when the classifier abstains (Abstained true, Confidence below
// the model's threshold); needs may still be present then.
type IntentData struct {
	Intent     string      `json:"intent"`             // TAXONOMY.md intent id
	Confidence float64     `json:"confidence"`         // calibrated probability of Intent, 0..1
	Needs      []NeedScore `json:"needs,omitempty"`    // needs above their thresholds, highest first
	Lang       string      `json:"lang"`               // nl or en (given or detected)
	Evidence   []string    `json:"evidence,omitempty"` // words of the utterance that drove the decision
	Abstained  bool        `json:"abstained"`          // true when no intent was confident enough
	Segment    string      `json:"segment,omitempty"`  // TranscriptData.Segment it was derived from
	Start      float64     `json:"start,omitempty"`    // media seconds of that segment
	End        float64     `json:"end,omitempty"`
	Alts       []IntentAlt `json:"alts,omitempty"` // runner-up intents, for display and the hint engine
}

// NeedScore is one detected underlying need (TAXONOMY.md need id) with its evidence words.
type NeedScore struct {
	ID         string   `json:"id"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence,omitempty"`
}

// IntentAlt is a runner-up intent with its probability.
type IntentAlt struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}
