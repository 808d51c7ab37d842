package event

// CallStatus is emitted at most once a second per call for the supervisor wallboard: the
// call's current risk and the cues behind it, small enough to fan out for every call.
const CallStatus = "call.status"

// StatusData is the payload of call.status.
type StatusData struct {
	Elapsed  float64      `json:"elapsed"`         // seconds since the call started
	Agent    string       `json:"agent,omitempty"` // agent the call is assigned to
	Risk     float64      `json:"risk"`            // 0 calm … 1 needs a supervisor now
	Reasons  []string     `json:"reasons"`         // why the risk is what it is, most weight first
	Customer *PartyStatus `json:"customer,omitempty"`
	AgentP   *PartyStatus `json:"agent_party,omitempty"`
	Silence  float64      `json:"silence_s"` // current dead air (both parties quiet)
	Talk     TalkShares   `json:"talk"`      // cumulative talk time per party
	Alerts   int          `json:"alerts"`    // alerts raised in this call so far
	Hints    int          `json:"hints"`     // hints raised in this call so far
	LastHint string       `json:"last_hint,omitempty"`
}

// PartyStatus is one party's latest emotion cue as the wallboard shows it.
type PartyStatus struct {
	Top        string  `json:"top"`
	Negative   float64 `json:"negative"`               // p(angry)+p(fearful)+p(sad)
	NegTop     string  `json:"negative_top,omitempty"` // the most probable of angry, fearful, sad
	Arousal    float64 `json:"arousal"`
	Valence    float64 `json:"valence"`
	Confidence float64 `json:"confidence"`
	DeltaA     float64 `json:"delta_arousal"` // against the caller's own baseline
	Trend      float64 `json:"trend"`         // negative-share change over the last utterances, −1..1
}

// TalkShares are cumulative talk seconds.
type TalkShares struct {
	Customer float64 `json:"customer"`
	Agent    float64 `json:"agent"`
}
