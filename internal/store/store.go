package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/undertone/undertone/internal/event"
)

// Call states.
const (
	StateLive        = "live"
	StateEnded       = "ended"
	StateInterrupted = "interrupted" // the process died while the call was live
)

// ReasonInterrupted is the Reason MarkInterrupted writes.
const ReasonInterrupted = "interrupted"

// CallRecord is one call as stored. Zero times mean "not known yet".
type CallRecord struct {
	ID, Source, State  string // State: live, ended or interrupted
	Agent, Team, Queue string
	StartedAt, EndedAt time.Time
	Reason             string
	Parties            []string
	Summary            *event.Summary
	Meta               map[string]string
}

// CallQuery filters ListCalls. Zero fields do not filter. Results are newest first
// (by start time, then id).
type CallQuery struct {
	State, Agent, Team, Queue string
	Unassigned                bool      // with Agent: also calls assigned to no agent (what agent tokens may see)
	Teams                     []string  // scope: only calls of these teams (supervisors); empty = all
	Since, Until              time.Time // started_at in [Since, Until)
	Text                      string    // case-insensitive substring of the id, any meta key or value, or the (redacted) transcript
	Limit, Offset             int       // Limit 0 = 100; at most 1000
}

// Limits of CallQuery.Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// EmotionRow is one utterance of the emotion timeline.
type EmotionRow struct {
	CallID     string
	Party      string
	TStart     float64 // media seconds since the call started
	TEnd       float64
	Top        string
	Probs      map[string]float64
	Arousal    float64
	Valence    float64
	Confidence float64
	At         time.Time // wall clock of the event
}

// TranscriptRow is one transcript segment. Text must already be redacted. A segment is
// identified by call, party and Segment (or, when Segment is empty, by its start time):
// a later version of it replaces the stored one unless the stored one is final and the
// later one is not (a late partial never overwrites a final).
type TranscriptRow struct {
	CallID     string
	Party      string
	Segment    string // stable id shared by a segment's partials and final; "" = keyed by Start
	Start, End float64
	Text       string
	Final      bool
	Lang       string
	Confidence float64
	Source     string // integrator or the ASR engine
	At         time.Time
}

// SegmentKey is the stored key of a transcript segment.
func (t *TranscriptRow) SegmentKey() string {
	if t.Segment != "" {
		return "s:" + t.Segment
	}
	return "@" + strconv.FormatFloat(t.Start, 'f', -1, 64)
}

// IntentRow is one recognised intent.
type IntentRow struct {
	CallID     string
	Party      string
	T          float64
	Intent     string
	Confidence float64
	Payload    json.RawMessage // the whole event payload
	At         time.Time
}

// HintRow is one hint raised to an agent. (CallID, ID) is unique; storing it again is a no-op.
type HintRow struct {
	CallID  string
	ID      string
	RuleID  string
	Title   string
	Payload json.RawMessage // the whole hint as shown (need, phrasing, evidence, priority)
	At      time.Time
}

// Hint feedback ratings.
const (
	Useful    = "useful"
	NotUseful = "not_useful"
	Used      = "used" // the agent used the suggested phrasing
)

// FeedbackRow is one click on a hint card. Feedback is an append-only log; the same
// (call, hint, agent, rating, time) is stored once.
type FeedbackRow struct {
	CallID string
	HintID string
	Rating string // Useful, NotUseful or Used
	Agent  string
	At     time.Time
}

// TrendDelta is added to the hourly bucket (Hour truncated to the hour, UTC) × queue ×
// team × agent. Buckets accumulate: adding the same delta twice counts it twice.
type TrendDelta struct {
	Hour               time.Time
	Queue, Team, Agent string
	Calls              int64   // calls ended
	Emotions           int64   // customer utterances with an emotion
	ArousalSum         float64 // over those utterances
	ValenceSum         float64
	Negative           int64 // of those, top class angry, sad or fearful
	HintsRaised        int64
	HintsUseful        int64
}

// Trend groupings.
const (
	GroupNone  = ""
	GroupQueue = "queue"
	GroupTeam  = "team"
	GroupAgent = "agent"
)

// TrendQuery selects buckets with Hour in [Since, Until), optionally filtered, summed per
// Step (an hour or a day, UTC) and per GroupBy key.
type TrendQuery struct {
	Since, Until       time.Time
	Step               time.Duration // time.Hour (default) or 24*time.Hour
	GroupBy            string        // GroupNone, GroupQueue, GroupTeam or GroupAgent
	Queue, Team, Agent string        // filters
	Teams              []string      // scope: only these teams; empty = all
}

// TrendPoint is one step × key of a trend query. Means are 0 when Emotions is 0.
type TrendPoint struct {
	Bucket        time.Time
	Key           string // the queue, team or agent grouped by; "" for GroupNone
	Calls         int64
	Emotions      int64
	MeanArousal   float64
	MeanValence   float64
	NegativeShare float64 // Negative / Emotions
	HintsRaised   int64
	HintsUseful   int64
}

// RuleStats is how one hint rule fared: how many hints it raised and how many distinct
// hints got each rating at least once.
type RuleStats struct {
	RuleID    string
	Title     string          // of the most recent hint of the rule, in the language it fired in
	Titles    event.Localized // that title in Dutch and English
	Raised    int64
	Useful    int64
	NotUseful int64
	Used      int64
}

// UsefulShare is Useful / Raised (0 when nothing was raised).
func (r RuleStats) UsefulShare() float64 {
	if r.Raised == 0 {
		return 0
	}
	return float64(r.Useful) / float64(r.Raised)
}

// Timeline is everything stored about one call's course, each list in time order.
type Timeline struct {
	Emotions    []EmotionRow
	Transcripts []TranscriptRow
	Intents     []IntentRow
	Hints       []HintRow
	Feedback    []FeedbackRow
}

// Token is an API token. Only the SHA-256 of the token is stored.
type Token struct {
	ID        string
	Name      string // for logs and the admin view
	Role      string // integrator, agent, supervisor, admin
	Agent     string // agent id an agent token is bound to
	Teams     []string
	Hash      [32]byte
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: not revoked
}

// Valid reports whether t may be used at now.
func (t Token) Valid(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// NodeScoped is implemented by stores that several nodes share (both backends). Every
// call a store started records its node; MarkInterrupted then only touches that node's
// calls, so one node restarting does not interrupt another's live calls. The node id must
// be stable across restarts of the same node (a configured name, not a pod name). With no
// node set ("" — a single node) MarkInterrupted touches every live call.
type NodeScoped interface {
	SetNode(node string)
}

// Batch is written in one transaction. Rows of a call the store does not know yet create
// a placeholder live call, so events that overtake call.started are not lost.
type Batch struct {
	Emotions    []EmotionRow
	Transcripts []TranscriptRow
	Intents     []IntentRow
	Hints       []HintRow
	Feedback    []FeedbackRow
	Trends      []TrendDelta
}

// Len is the number of rows in b.
func (b *Batch) Len() int {
	return len(b.Emotions) + len(b.Transcripts) + len(b.Intents) + len(b.Hints) + len(b.Feedback) + len(b.Trends)
}

// Reset empties b, keeping its capacity.
func (b *Batch) Reset() {
	b.Emotions, b.Transcripts, b.Intents = b.Emotions[:0], b.Transcripts[:0], b.Intents[:0]
	b.Hints, b.Feedback, b.Trends = b.Hints[:0], b.Feedback[:0], b.Trends[:0]
}

// Store is what Undertone persists. Implementations are safe for concurrent use.
type Store interface {
	// CallStarted inserts the call with state live. It fills in a placeholder row that
	// the call's own early events made (Batch), and refuses (ErrExists) an id that an
	// earlier call has — live, ended or interrupted: a call id is never reused.
	CallStarted(ctx context.Context, c CallRecord) error
	// CallEnded stores the final state (ended unless c.State says interrupted), end time,
	// reason and summary. Idempotent: the call counts once in the trends.
	CallEnded(ctx context.Context, c CallRecord) error
	// MarkInterrupted turns every call still live (left over by a crash) into
	// interrupted, ended at `at`, and returns how many. Call it at startup. A store with a
	// node set (NodeScoped) only touches the calls that node started.
	MarkInterrupted(ctx context.Context, at time.Time) (int, error)
	// GetCall returns one call or ErrNotFound.
	GetCall(ctx context.Context, id string) (CallRecord, error)
	// ListCalls returns the calls matching q, newest first.
	ListCalls(ctx context.Context, q CallQuery) ([]CallRecord, error)

	// Write stores a batch of timeline rows and trend deltas in one transaction.
	Write(ctx context.Context, b *Batch) error
	// Timeline returns one call's stored course (empty lists for an unknown call).
	Timeline(ctx context.Context, callID string) (Timeline, error)
	// RuleUsefulness aggregates hints raised in [since, until) and their feedback per rule,
	// most raised first. Zero times do not bound.
	RuleUsefulness(ctx context.Context, since, until time.Time) ([]RuleStats, error)
	// Trends sums trend buckets; points are ordered by bucket, then key.
	Trends(ctx context.Context, q TrendQuery) ([]TrendPoint, error)

	// CreateToken stores t (ID and Hash must be set and unique).
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns the token with this hash (valid or not) or ErrNotFound.
	TokenByHash(ctx context.Context, hash [32]byte) (Token, error)
	// ListTokens returns every token, newest first.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken marks a token revoked at `at`; ErrNotFound if there is none.
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// Retain deletes calls that started before olderThan and are no longer live, with
	// everything stored about them, and returns how many calls went. Trend buckets are
	// aggregates and are kept.
	Retain(ctx context.Context, olderThan time.Time) (deleted int, err error)

	Close() error
}
