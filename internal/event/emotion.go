package event

// EmotionData is the payload of an emotion event: one party's emotion cue for one finished
// utterance ("utterance") or, during a long turn, for the last two seconds ("window").
// Probabilities, arousal, valence and confidence are smoothed over the party's recent
// events so the cue does not flicker.
//
// Arousal is the primary cue: it is absolute (never relative to the baseline, which only
// informs Baseline) and the most robust signal across speakers, languages and channels.
// The class to show is Headline, not Top: Headline changes only on evidence and reads
// "unsure" while no class is confidently ahead.
type EmotionData struct {
	Probs      map[string]float64 `json:"probs"`              // neutral, angry, happy, sad, fearful; sums to 1
	Top        string             `json:"top"`                // class with the highest probability
	Headline   string             `json:"headline,omitempty"` // class to show, or "unsure" (hysteresis over events)
	Arousal    float64            `json:"arousal"`            // absolute activation, −1 calm … +1 excited
	Valence    float64            `json:"valence"`            // −1 negative … +1 positive
	Confidence float64            `json:"confidence"`         // calibrated probability of Top, 0..1
	Baseline   BaselineDelta      `json:"baseline"`           // change against this caller's own earlier speech
	Kind       string             `json:"kind"`               // "utterance" or "window"
	Start      float64            `json:"start"`              // media seconds since call start
	End        float64            `json:"end"`
}

// BaselineDelta is the change of arousal and valence against the caller's own baseline,
// which is learned from the caller's calm-sounding utterances only (so sustained anger is
// never absorbed into it); N is how many calm utterances it has learned from (0: no
// baseline yet, deltas are 0) and Level the baseline's own arousal.
type BaselineDelta struct {
	Arousal float64 `json:"arousal"`
	Valence float64 `json:"valence"`
	N       int     `json:"n"`
	Level   float64 `json:"level"`
}

// Emotion cue kinds.
const (
	EmotionUtterance = "utterance"
	EmotionWindow    = "window"
)
