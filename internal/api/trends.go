package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// Trend ranges: hourly points over at most 31 days, daily over at most 400.
const (
	maxHourlyRange = 31 * 24 * time.Hour
	maxDailyRange  = 400 * 24 * time.Hour
)

// trendQuery reads GET /v1/trends parameters: bucket=hour|day, by=queue|team|agent,
// from/to (default: the last 24 hours, or 30 days by day), queue/team/agent filters.
// Supervisors bound to teams get only those teams' buckets.
func trendQuery(q url.Values, p auth.Principal, now time.Time) (store.TrendQuery, int, error) {
	if err := knownParams(q, "bucket", "by", "from", "to", "queue", "team", "agent"); err != nil {
		return store.TrendQuery{}, 400, err
	}
	tq := store.TrendQuery{Queue: q.Get("queue"), Team: q.Get("team"), Agent: q.Get("agent")}
	span := 24 * time.Hour
	switch q.Get("bucket") {
	case "", "hour":
		tq.Step = time.Hour
	case "day":
		tq.Step, span = 24*time.Hour, 30*24*time.Hour
	default:
		return tq, 400, badParam("bucket", "want hour or day")
	}
	switch by := q.Get("by"); by {
	case "", store.GroupQueue, store.GroupTeam, store.GroupAgent:
		tq.GroupBy = by
	default:
		return tq, 400, badParam("by", "want queue, team or agent")
	}
	var err error
	if tq.Since, err = parseTime(q, "from"); err != nil {
		return tq, 400, err
	}
	if tq.Until, err = parseTime(q, "to"); err != nil {
		return tq, 400, err
	}
	if tq.Until.IsZero() {
		tq.Until = now.UTC().Truncate(time.Hour).Add(time.Hour)
	}
	if tq.Since.IsZero() {
		tq.Since = tq.Until.Add(-span)
	}
	if !tq.Since.Before(tq.Until) {
		return tq, 400, badParam("to", "must be after from")
	}
	limit := maxHourlyRange
	if tq.Step == 24*time.Hour {
		limit = maxDailyRange
	}
	if tq.Until.Sub(tq.Since) > limit {
		return tq, 400, badParam("from", fmt.Sprintf("range longer than %d days for bucket=%s", int(limit.Hours()/24), q.Get("bucket")))
	}
	if p.Role == auth.Supervisor && len(p.Teams) > 0 {
		if tq.Team != "" && !slices.Contains(p.Teams, tq.Team) {
			return tq, 403, errors.New("team " + tq.Team + " is outside this token's teams")
		}
		tq.Teams = p.Teams
	}
	return tq, 0, nil
}

type trendJSON struct {
	Bucket        time.Time `json:"bucket"`
	Key           string    `json:"key,omitempty"`
	Calls         int64     `json:"calls"`
	Emotions      int64     `json:"emotions"`
	MeanArousal   float64   `json:"mean_arousal"`
	MeanValence   float64   `json:"mean_valence"`
	NegativeShare float64   `json:"negative_share"`
	HintsRaised   int64     `json:"hints_raised"`
	HintsUseful   int64     `json:"hints_useful"`
}

// trends is GET /v1/trends.
func (s *Server) trends(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.p.DB == nil {
		writeError(w, http.StatusServiceUnavailable, "no store configured")
		return
	}
	tq, code, err := trendQuery(r.URL.Query(), p, time.Now())
	if err != nil {
		writeError(w, code, err.Error())
		return
	}
	pts, err := s.p.DB.Trends(r.Context(), tq)
	if err != nil {
		s.storeError(w, "trends", err)
		return
	}
	out := make([]trendJSON, len(pts))
	for i, t := range pts {
		out[i] = trendJSON{Bucket: t.Bucket, Key: t.Key, Calls: t.Calls, Emotions: t.Emotions, MeanArousal: t.MeanArousal,
			MeanValence: t.MeanValence, NegativeShare: t.NegativeShare, HintsRaised: t.HintsRaised, HintsUseful: t.HintsUseful}
	}
	group := "hour"
	if tq.Step == 24*time.Hour {
		group = "day"
	}
	writeJSON(w, 200, map[string]any{"bucket": group, "by": tq.GroupBy, "from": tq.Since, "to": tq.Until, "points": out})
}

type ruleJSON struct {
	RuleID      string          `json:"rule_id"`
	Title       string          `json:"title"`  // in the language the rule last fired in
	Titles      event.Localized `json:"titles"` // {nl, en}
	Raised      int64           `json:"raised"`
	Useful      int64           `json:"useful"`
	NotUseful   int64           `json:"not_useful"`
	Used        int64           `json:"used"`
	UsefulShare float64         `json:"useful_share"`
}

// usefulness is GET /v1/hints/usefulness?from=&to=: per hint rule, how often it was
// raised and rated. Rules are shared by every team, so the figures are not team-scoped.
func (s *Server) usefulness(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
	if s.p.DB == nil {
		writeError(w, http.StatusServiceUnavailable, "no store configured")
		return
	}
	q := r.URL.Query()
	if err := knownParams(q, "from", "to"); err != nil {
		writeError(w, 400, err.Error())
		return
	}
	since, err := parseTime(q, "from")
	if err != nil {
		writeError(w, 400, err.Error())
		return
	}
	until, err := parseTime(q, "to")
	if err != nil {
		writeError(w, 400, err.Error())
		return
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		writeError(w, 400, badParam("to", "must be after from").Error())
		return
	}
	rules, err := s.p.DB.RuleUsefulness(r.Context(), since, until)
	if err != nil {
		s.storeError(w, "rule usefulness", err)
		return
	}
	out := make([]ruleJSON, len(rules))
	for i, x := range rules {
		out[i] = ruleJSON{RuleID: x.RuleID, Title: x.Title, Titles: x.Titles, Raised: x.Raised, Useful: x.Useful, NotUseful: x.NotUseful,
			Used: x.Used, UsefulShare: x.UsefulShare()}
	}
	writeJSON(w, 200, map[string]any{"rules": out})
}
