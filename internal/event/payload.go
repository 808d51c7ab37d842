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

// Summary is what is kept of a call after it ends (never raw audio).
type Summary struct {
	DurationS float64                `json:"duration_s"`
	Parties   map[Party]PartySummary `json:"parties"`
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
