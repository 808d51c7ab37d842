package event

// DynamicsData is the payload of a dynamics event: the conversation's shape so far, from
// both parties' voice activity (and transcripts for pace). Emitted at most once a second
// while something changes. Times are media seconds since the call started.
type DynamicsData struct {
	T             float64    `json:"t"`              // media time the figures cover up to
	Talk          TalkShares `json:"talk"`           // speech seconds per party
	TalkRatio     float64    `json:"talk_ratio"`     // agent share of all speech, 0..1 (0.5 when nobody spoke)
	OvertalkS     float64    `json:"overtalk_s"`     // both parties speaking at once
	OvertalkShare float64    `json:"overtalk_share"` // OvertalkS over the time anyone spoke, 0..1
	// Interruptions counts, per interrupting party, onsets while the other had been
	// speaking for a while that made the other stop soon after.
	Interruptions   PartyCounts `json:"interruptions"`
	DeadAirS        float64     `json:"dead_air_s"`    // total of silences longer than the dead-air threshold
	SilenceNowS     float64     `json:"silence_now_s"` // current silence (both quiet), 0 while someone speaks
	LongestSilenceS float64     `json:"longest_silence_s"`
	// WPM is words per minute of speech from final transcripts (0 for a party without
	// transcripts); SegmentRate is speech segments per minute of call time from the VAD,
	// the pace proxy for calls without transcripts.
	WPM           PartyRates `json:"wpm"`
	SegmentRate   PartyRates `json:"segments_per_min"`
	Turns         int        `json:"turns"` // turns taken: the floor passing from one party to the other, plus the first
	LongestMonoS  float64    `json:"longest_monologue_s"`
	LongestMonoBy Party      `json:"longest_monologue_party,omitempty"`
}

// PartyCounts counts something per party.
type PartyCounts struct {
	Customer int `json:"customer"`
	Agent    int `json:"agent"`
}

// PartyRates is a rate per party.
type PartyRates struct {
	Customer float64 `json:"customer"`
	Agent    float64 `json:"agent"`
}

// AlertData is the payload of an alert event: something a supervisor should see now
// (long dead air, the agent talking over the customer, an escalating customer).
type AlertData struct {
	Kind      string  `json:"kind"`     // dead_air, agent_overtalk, …
	Severity  string  `json:"severity"` // warning or critical
	Message   string  `json:"message"`  // one line, English
	MessageNL string  `json:"message_nl"`
	Value     float64 `json:"value"`     // the measured figure (seconds, count)
	Threshold float64 `json:"threshold"` // the configured limit it crossed
	Start     float64 `json:"start"`     // media seconds: when the condition began
	Source    string  `json:"source"`    // the stage that raised it: dynamics, hints
}

// Alert kinds and severities.
const (
	AlertDeadAir       = "dead_air"
	AlertAgentOvertalk = "agent_overtalk"
	SeverityWarning    = "warning"
	SeverityCritical   = "critical"
)
