package event

// Payload is the data of an event. Its type decides the event's type — Call.Emit takes a
// Payload, not a type string and an any, so the two cannot disagree — and only this
// package's payload types implement it, as pointers: an emitter cannot hand over a value
// where a consumer switches on the pointer (the wallboard once lost the emotion payload
// that way), and a consumer switches on exactly one form, e.g.
//
//	switch d := ev.Data.(type) {
//	case *event.EmotionData: …
//	case *event.CallStartedData: …
//	}
//
// Compare pion's stats.go: variants sealed behind a marker interface.
type Payload interface {
	EventType() string
	payload() // sealed: only package event implements Payload
}

// CallStartedData is the payload of call.started.
type CallStartedData CallInfo

// CallEndedData is the payload of call.ended (with the summary).
type CallEndedData CallInfo

// PartyJoinedData is the payload of party.joined.
type PartyJoinedData struct {
	Codec string `json:"codec"`
}

// TranscriptStatus is the type of transcript.status events.
const TranscriptStatus = "transcript.status"

// TranscriptStatusData is the payload of transcript.status: whether the call gets
// transcripts from the node's recogniser (internal/asr), and if not, why.
type TranscriptStatusData struct {
	Available bool   `json:"available"`        // embedded transcript events will come
	Engine    string `json:"engine,omitempty"` // e.g. pocketsphinx, openai; empty: none
	Lang      string `json:"lang"`             // the call's language, normalised (en, nl)
	Reason    string `json:"reason,omitempty"` // asr.ReasonLanguage, ReasonNoEngine or ReasonDown when not available; ReasonSlow
	Message   string `json:"message"`          // one line for the UI
	// Health of an engine that can fail at run time (HealthReporter: the external
	// recogniser): ok, slow or down. A change is emitted at once, recovery included.
	Health string `json:"health,omitempty"`
}

func (*CallStartedData) EventType() string      { return CallStarted }
func (*CallEndedData) EventType() string        { return CallEnded }
func (*PartyJoinedData) EventType() string      { return PartyJoined }
func (*LevelData) EventType() string            { return Level }
func (*PitchData) EventType() string            { return Pitch }
func (*VADData) EventType() string              { return VAD }
func (*EmotionData) EventType() string          { return Emotion }
func (*DynamicsData) EventType() string         { return Dynamics }
func (*TranscriptData) EventType() string       { return Transcript }
func (*TranscriptStatusData) EventType() string { return TranscriptStatus }
func (*IntentData) EventType() string           { return Intent }
func (*HintData) EventType() string             { return Hint }
func (*HintFeedbackData) EventType() string     { return HintFeedback }
func (*AlertData) EventType() string            { return Alert }
func (*StatusData) EventType() string           { return CallStatus }

func (*CallStartedData) payload()      {}
func (*CallEndedData) payload()        {}
func (*PartyJoinedData) payload()      {}
func (*LevelData) payload()            {}
func (*PitchData) payload()            {}
func (*VADData) payload()              {}
func (*EmotionData) payload()          {}
func (*DynamicsData) payload()         {}
func (*TranscriptData) payload()       {}
func (*TranscriptStatusData) payload() {}
func (*IntentData) payload()           {}
func (*HintData) payload()             {}
func (*HintFeedbackData) payload()     {}
func (*AlertData) payload()            {}
func (*StatusData) payload()           {}
