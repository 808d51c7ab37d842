package event

// Payloads carried in Event.Data, one per type. Field names are the public JSON contract.

// CallInfo is the payload of call.started and call.ended.
type CallInfo struct {
	Source    string            `json:"source"`             // ingest protocol: whip, siprec, audiosocket, twilio, audiohook, replay
	Parties   []Party           `json:"parties,omitempty"`  // parties that have joined so far
	StartedAt int64             `json:"started_at"`         // Unix ms
	EndedAt   int64             `json:"ended_at,omitempty"` // Unix ms, call.ended only
	Reason    string            `json:"reason,omitempty"`   // call.ended: hangup, timeout, shutdown, error, …
	Summary   *Summary          `json:"summary,omitempty"`  // call.ended only
	Agent     string            `json:"agent,omitempty"`    // agent id the call is assigned to, if known
	Meta      map[string]string `json:"meta,omitempty"`
}

// Summary is what is kept of a call after it ends (never raw audio): per party the
// media figures, and the after-call view an agent or supervisor reads — the emotion arc,
// the intents and needs heard, each hint and what the agent did with it, the
// conversation's shape and the highest risk the call reached.
type Summary struct {
	DurationS float64                `json:"duration_s"`
	Parties   map[Party]PartySummary `json:"parties"`

	Emotion  map[Party][]ArcPoint `json:"emotion_arc,omitempty"` // ≤ 48 points per party, in time order
	Intents  []Counted            `json:"intents,omitempty"`     // the customer's intents, most frequent first
	Needs    []Counted            `json:"needs,omitempty"`       // underlying needs, most frequent first
	Hints    []HintOutcome        `json:"hints,omitempty"`       // in the order raised
	Dynamics *DynamicsSummary     `json:"dynamics,omitempty"`
	PeakRisk float64              `json:"peak_risk"` // highest wallboard risk, 0..1
}

// ArcPoint is one point of a party's emotion over the call: the cue of an utterance (or
// the mean of adjacent ones when a long call is thinned out).
type ArcPoint struct {
	T          float64 `json:"t"` // media seconds at the end of the utterance(s)
	Arousal    float64 `json:"arousal"`
	Valence    float64 `json:"valence"`
	Top        string  `json:"top"`
	Confidence float64 `json:"confidence"`
}

// Counted is an id (intent or need) and how many utterances carried it.
type Counted struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
}

// HintOutcome is a hint raised in the call and the agent's rating of it, if any (a
// rating given after the call is in the timeline).
type HintOutcome struct {
	ID       string    `json:"id"`
	Rule     string    `json:"rule"`
	Need     string    `json:"need,omitempty"`
	Priority string    `json:"priority"`
	Title    Localized `json:"title"`
	T        float64   `json:"t"`                  // media seconds when raised
	Feedback string    `json:"feedback,omitempty"` // useful, not_useful, used
}

// DynamicsSummary is the conversation's shape at the end of the call.
type DynamicsSummary struct {
	TalkRatio       float64     `json:"talk_ratio"` // agent share of all speech
	LongestSilenceS float64     `json:"longest_silence_s"`
	DeadAirS        float64     `json:"dead_air_s"`
	OvertalkS       float64     `json:"overtalk_s"`
	Interruptions   PartyCounts `json:"interruptions"`
	Turns           int         `json:"turns"`
}

// PartySummary aggregates one party's stream over the whole call.
type PartySummary struct {
	Codec       string  `json:"codec,omitempty"`
	MediaS      float64 `json:"media_s"`       // seconds of audio received
	TalkS       float64 `json:"talk_s"`        // seconds judged as speech by the VAD
	MeanLevelDB float64 `json:"mean_level_db"` // mean dBFS over speech
	MeanPitchHz float64 `json:"mean_pitch_hz"` // mean F0 over voiced speech, 0 if none
	Packets     uint64  `json:"packets"`
	Lost        uint64  `json:"lost"` // packets concealed or zero-filled
	DecodeErr   uint64  `json:"decode_errors"`
}

// LevelData is the payload of a level event: loudness over the last update interval.
type LevelData struct {
	DBFS float64 `json:"dbfs"` // RMS level in dB relative to full scale, -100..0
	Peak float64 `json:"peak"` // peak dBFS
}

// PitchData is the payload of a pitch event.
type PitchData struct {
	Hz     float64 `json:"hz"`     // fundamental frequency, 0 when unvoiced
	Voiced bool    `json:"voiced"` // voicing decision over the interval
	Conf   float64 `json:"conf"`   // 0..1, periodicity of the best candidate
}

// VADData is the payload of a vad event.
type VADData struct {
	Speech bool    `json:"speech"` // voice activity at the end of the interval
	TalkS  float64 `json:"talk_s"` // cumulative talk time of this party in the call
}
