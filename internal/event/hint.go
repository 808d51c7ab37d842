package event

// HintData is the payload of a hint event: what the customer really needs ("de vraag
// achter de vraag"), a suggested phrasing, and the evidence the rule matched on. Produced by
// the hint engine (internal/hints) from a playbook rule; ID is unique per call and is what
// POST /v1/calls/{id}/hints/{hint}/feedback refers to.
type HintData struct {
	ID         string     `json:"id"`
	Rule       string     `json:"rule"`     // playbook rule id, stable across calls (usefulness is aggregated per rule)
	Playbook   string     `json:"playbook"` // playbook name, e.g. banking
	Title      Localized  `json:"title"`
	Need       string     `json:"need,omitempty"` // TAXONOMY.md need id
	Underlying Localized  `json:"underlying_need"`
	Phrasing   Localized  `json:"phrasing"`
	Priority   string     `json:"priority"` // low, medium, high
	Evidence   []Evidence `json:"evidence"`
	Lang       string     `json:"lang"` // the call's language as last seen in transcripts: nl or en
}

// Localized is a text in Dutch and English; the dashboard shows the agent's language.
type Localized struct {
	NL string `json:"nl"`
	EN string `json:"en"`
}

// Evidence is one observation behind a hint.
type Evidence struct {
	Kind   string  `json:"kind"`   // words, emotion, dynamics or intent
	Detail string  `json:"detail"` // e.g. `"al drie keer gebeld"`, "arousal +0.42 above baseline"
	T      float64 `json:"t"`      // media seconds the observation is from
}

// Evidence kinds.
const (
	EvidenceWords    = "words"
	EvidenceEmotion  = "emotion"
	EvidenceDynamics = "dynamics"
	EvidenceIntent   = "intent"
)

// Hint priorities.
const (
	PriorityLow    = "low"
	PriorityMedium = "medium"
	PriorityHigh   = "high"
)

// HintFeedbackData is the payload of hint.feedback: an agent's rating of a hint.
type HintFeedbackData struct {
	Hint   string `json:"hint"`   // HintData.ID
	Rule   string `json:"rule"`   // HintData.Rule, when the hint is known to this node
	Rating string `json:"rating"` // useful, not_useful or used
	Agent  string `json:"agent,omitempty"`
	By     string `json:"by,omitempty"` // principal name that sent it (never the token)
	// Comment is the agent's optional free text, redacted like transcripts. Carried on
	// the stream for live dashboards; the store keeps only the rating.
	Comment string `json:"comment,omitempty"`
}

// Hint feedback ratings.
const (
	RatingUseful    = "useful"
	RatingNotUseful = "not_useful"
	RatingUsed      = "used"
)
