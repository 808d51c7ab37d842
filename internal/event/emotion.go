package event

// EmotionData is the payload of an emotion event: one party's emotion cue for one finished
// utterance ("utterance") or, during a long turn, for the last two seconds ("window").
// Probabilities, arousal, valence and confidence are smoothed over the party's recent
// events so the cue does not flicker.
type EmotionData struct {
	Probs      map[string]float64 `json:"probs"`      // neutral, angry, happy, sad, fearful; sums to 1
	Top        string             `json:"top"`        // class with the highest probability
	Arousal    float64            `json:"arousal"`    // −1 calm … +1 excited
	Valence    float64            `json:"valence"`    // −1 negative … +1 positive
	Confidence float64            `json:"confidence"` // calibrated probability of Top, 0..1
	Baseline   BaselineDelta      `json:"baseline"`   // change against this caller's own earlier speech
	Kind       string             `json:"kind"`       // "utterance" or "window"
	Start      float64            `json:"start"`      // media seconds since call start
	End        float64            `json:"end"`
}

// BaselineDelta is the change of arousal and valence against the mean of the caller's own
// earlier utterances in this call; N is how many utterances that mean covers (0: no
// baseline yet, deltas are 0).
type BaselineDelta struct {
	Arousal float64 `json:"arousal"`
	Valence float64 `json:"valence"`
	N       int     `json:"n"`
}

// Emotion cue kinds.
const (
	EmotionUtterance = "utterance"
	EmotionWindow    = "window"
)
