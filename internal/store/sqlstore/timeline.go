package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

func rawOrNull(b json.RawMessage) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}

// Write implements store.Store. The statements are built first and then run in one
// transaction: one by one, or in a single round trip where the transaction can pipeline.
func (s *Store) Write(ctx context.Context, b *store.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	stmts, err := batchStmts(b, s.node)
	if err != nil {
		return fmt.Errorf("%s: write batch: %w", s.D.Name, err)
	}
	return s.inTx(ctx, "write batch", func(tx Tx) error {
		if p, ok := tx.(Pipeliner); ok {
			return p.ExecBatch(ctx, stmts)
		}
		for _, st := range stmts {
			if _, err := tx.Exec(ctx, st.SQL, st.Args...); err != nil {
				return fmt.Errorf("%s: %w", st.What, err)
			}
		}
		return nil
	})
}

const (
	sqlEnsureCall = `INSERT INTO calls (id, state, node) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`
	sqlEmotion    = `INSERT INTO emotions (call_id, party, t_start, t_end, top, probs, arousal, valence, confidence, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (call_id, party, t_start) DO UPDATE SET t_end = excluded.t_end, top = excluded.top,
			probs = excluded.probs, arousal = excluded.arousal, valence = excluded.valence,
			confidence = excluded.confidence, at = excluded.at`
	sqlTranscript = `INSERT INTO transcripts (call_id, party, segment, start_s, end_s, text, final, lang, confidence, source, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (call_id, party, segment) DO UPDATE SET start_s = excluded.start_s, end_s = excluded.end_s,
			text = excluded.text, final = excluded.final, lang = excluded.lang, confidence = excluded.confidence,
			source = excluded.source, at = excluded.at
		WHERE NOT transcripts.final OR excluded.final`
	sqlIntent = `INSERT INTO intents (call_id, party, t, intent, confidence, payload, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (call_id, party, t, intent) DO UPDATE SET confidence = excluded.confidence,
			payload = excluded.payload, at = excluded.at`
	sqlHint = `INSERT INTO hints (call_id, id, rule_id, title, payload, at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (call_id, id) DO NOTHING`
	sqlFeedback = `INSERT INTO hint_feedback (call_id, hint_id, rating, agent, at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (call_id, hint_id, agent, rating, at) DO NOTHING`
	sqlTrend = `INSERT INTO trends (hour, queue, team, agent, calls, emotions, arousal_sum, valence_sum, negative, hints_raised, hints_useful)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (hour, queue, team, agent) DO UPDATE SET
			calls = trends.calls + excluded.calls,
			emotions = trends.emotions + excluded.emotions,
			arousal_sum = trends.arousal_sum + excluded.arousal_sum,
			valence_sum = trends.valence_sum + excluded.valence_sum,
			negative = trends.negative + excluded.negative,
			hints_raised = trends.hints_raised + excluded.hints_raised,
			hints_useful = trends.hints_useful + excluded.hints_useful`
)

// batchStmts validates b and turns it into statements.
func batchStmts(b *store.Batch, node string) ([]Stmt, error) {
	stmts := make([]Stmt, 0, b.Len()+4)
	// Calls the rows refer to: a placeholder for any the registry has not stored yet.
	seen := map[string]bool{}
	ensure := func(id, what string) error {
		if id == "" {
			return fmt.Errorf("%s without call id: %w", what, store.ErrInvalid)
		}
		if !seen[id] {
			seen[id] = true
			stmts = append(stmts, Stmt{SQL: sqlEnsureCall, Args: []any{id, store.StateLive, node}, What: "call " + id})
		}
		return nil
	}
	for _, e := range b.Emotions {
		if err := ensure(e.CallID, "emotion"); err != nil {
			return nil, err
		}
		probs := "{}"
		if e.Probs != nil {
			var err error
			if probs, err = jsonText(e.Probs); err != nil {
				return nil, fmt.Errorf("emotion %s: %w", e.CallID, err)
			}
		}
		stmts = append(stmts, Stmt{SQL: sqlEmotion, What: "emotion " + e.CallID,
			Args: []any{e.CallID, e.Party, e.TStart, e.TEnd, e.Top, probs, e.Arousal, e.Valence, e.Confidence, ms(e.At)}})
	}
	for i := range b.Transcripts {
		t := &b.Transcripts[i]
		if err := ensure(t.CallID, "transcript"); err != nil {
			return nil, err
		}
		stmts = append(stmts, Stmt{SQL: sqlTranscript, What: "transcript " + t.CallID,
			Args: []any{t.CallID, t.Party, t.SegmentKey(), t.Start, t.End, t.Text, t.Final, t.Lang, t.Confidence, t.Source, ms(t.At)}})
	}
	for _, in := range b.Intents {
		if err := ensure(in.CallID, "intent"); err != nil {
			return nil, err
		}
		stmts = append(stmts, Stmt{SQL: sqlIntent, What: "intent " + in.CallID,
			Args: []any{in.CallID, in.Party, in.T, in.Intent, in.Confidence, rawOrNull(in.Payload), ms(in.At)}})
	}
	for _, h := range b.Hints {
		if err := ensure(h.CallID, "hint"); err != nil {
			return nil, err
		}
		if h.ID == "" {
			return nil, fmt.Errorf("hint of call %s without id: %w", h.CallID, store.ErrInvalid)
		}
		stmts = append(stmts, Stmt{SQL: sqlHint, What: "hint " + h.CallID + "/" + h.ID,
			Args: []any{h.CallID, h.ID, h.RuleID, h.Title, rawOrNull(h.Payload), ms(h.At)}})
	}
	for _, f := range b.Feedback {
		if err := ensure(f.CallID, "feedback"); err != nil {
			return nil, err
		}
		if !store.ValidRating(f.Rating) {
			return nil, fmt.Errorf("feedback on hint %s: rating %q: %w", f.HintID, f.Rating, store.ErrInvalid)
		}
		stmts = append(stmts, Stmt{SQL: sqlFeedback, What: "feedback " + f.CallID + "/" + f.HintID,
			Args: []any{f.CallID, f.HintID, f.Rating, f.Agent, ms(f.At)}})
	}
	// In key order, so concurrent writers lock buckets in the same order (no deadlock).
	trends := slices.Clone(b.Trends)
	slices.SortFunc(trends, func(x, y store.TrendDelta) int {
		return cmp.Or(x.Hour.Compare(y.Hour), cmp.Compare(x.Queue, y.Queue), cmp.Compare(x.Team, y.Team), cmp.Compare(x.Agent, y.Agent))
	})
	for _, td := range trends {
		stmts = append(stmts, trendStmt(td))
	}
	return stmts, nil
}

func trendStmt(td store.TrendDelta) Stmt {
	hour := ms(td.Hour.UTC().Truncate(time.Hour))
	return Stmt{SQL: sqlTrend, What: fmt.Sprintf("trend bucket %d %s/%s/%s", hour, td.Queue, td.Team, td.Agent),
		Args: []any{hour, td.Queue, td.Team, td.Agent, td.Calls, td.Emotions, td.ArousalSum, td.ValenceSum, td.Negative, td.HintsRaised, td.HintsUseful}}
}

// addTrend accumulates td into its bucket.
func addTrend(ctx context.Context, q Querier, td store.TrendDelta) error {
	st := trendStmt(td)
	if _, err := q.Exec(ctx, st.SQL, st.Args...); err != nil {
		return fmt.Errorf("%s: %w", st.What, err)
	}
	return nil
}

// Timeline implements store.Store.
func (s *Store) Timeline(ctx context.Context, callID string) (store.Timeline, error) {
	var tl store.Timeline
	fail := func(what string, err error) (store.Timeline, error) {
		return store.Timeline{}, fmt.Errorf("%s: timeline %s: %s: %w", s.D.Name, callID, what, err)
	}
	rows, err := s.R.Query(ctx, `SELECT party, t_start, t_end, top, `+s.D.JSONText("probs")+`, arousal, valence, confidence, at
		FROM emotions WHERE call_id = $1 ORDER BY t_start, party`, callID)
	if err != nil {
		return fail("emotions", err)
	}
	for rows.Next() {
		e := store.EmotionRow{CallID: callID}
		var probs string
		var at int64
		if err := rows.Scan(&e.Party, &e.TStart, &e.TEnd, &e.Top, &probs, &e.Arousal, &e.Valence, &e.Confidence, &at); err != nil {
			rows.Close()
			return fail("emotions", err)
		}
		if err := json.Unmarshal([]byte(probs), &e.Probs); err != nil {
			rows.Close()
			return fail("emotion probs", err)
		}
		e.At = fromMS(at)
		tl.Emotions = append(tl.Emotions, e)
	}
	if err := closeRows(rows); err != nil {
		return fail("emotions", err)
	}

	rows, err = s.R.Query(ctx, `SELECT party, segment, start_s, end_s, text, final, lang, confidence, source, at
		FROM transcripts WHERE call_id = $1 ORDER BY start_s, party, segment`, callID)
	if err != nil {
		return fail("transcripts", err)
	}
	for rows.Next() {
		t := store.TranscriptRow{CallID: callID}
		var at int64
		var seg string
		if err := rows.Scan(&t.Party, &seg, &t.Start, &t.End, &t.Text, &t.Final, &t.Lang, &t.Confidence, &t.Source, &at); err != nil {
			rows.Close()
			return fail("transcripts", err)
		}
		t.Segment, _ = strings.CutPrefix(seg, "s:") // see TranscriptRow.SegmentKey
		if strings.HasPrefix(seg, "@") {
			t.Segment = ""
		}
		t.At = fromMS(at)
		tl.Transcripts = append(tl.Transcripts, t)
	}
	if err := closeRows(rows); err != nil {
		return fail("transcripts", err)
	}

	rows, err = s.R.Query(ctx, `SELECT party, t, intent, confidence, `+s.D.JSONText("payload")+`, at
		FROM intents WHERE call_id = $1 ORDER BY t, party, intent`, callID)
	if err != nil {
		return fail("intents", err)
	}
	for rows.Next() {
		in := store.IntentRow{CallID: callID}
		var payload string
		var at int64
		if err := rows.Scan(&in.Party, &in.T, &in.Intent, &in.Confidence, &payload, &at); err != nil {
			rows.Close()
			return fail("intents", err)
		}
		in.Payload, in.At = json.RawMessage(payload), fromMS(at)
		tl.Intents = append(tl.Intents, in)
	}
	if err := closeRows(rows); err != nil {
		return fail("intents", err)
	}

	rows, err = s.R.Query(ctx, `SELECT id, rule_id, title, `+s.D.JSONText("payload")+`, at
		FROM hints WHERE call_id = $1 ORDER BY at, id`, callID)
	if err != nil {
		return fail("hints", err)
	}
	for rows.Next() {
		h := store.HintRow{CallID: callID}
		var payload string
		var at int64
		if err := rows.Scan(&h.ID, &h.RuleID, &h.Title, &payload, &at); err != nil {
			rows.Close()
			return fail("hints", err)
		}
		h.Payload, h.At = json.RawMessage(payload), fromMS(at)
		tl.Hints = append(tl.Hints, h)
	}
	if err := closeRows(rows); err != nil {
		return fail("hints", err)
	}

	rows, err = s.R.Query(ctx, `SELECT hint_id, rating, agent, at
		FROM hint_feedback WHERE call_id = $1 ORDER BY at, id`, callID)
	if err != nil {
		return fail("feedback", err)
	}
	for rows.Next() {
		f := store.FeedbackRow{CallID: callID}
		var at int64
		if err := rows.Scan(&f.HintID, &f.Rating, &f.Agent, &at); err != nil {
			rows.Close()
			return fail("feedback", err)
		}
		f.At = fromMS(at)
		tl.Feedback = append(tl.Feedback, f)
	}
	if err := closeRows(rows); err != nil {
		return fail("feedback", err)
	}
	return tl, nil
}

func closeRows(rows Rows) error {
	err := rows.Err()
	rows.Close()
	return err
}

// RuleUsefulness implements store.Store.
func (s *Store) RuleUsefulness(ctx context.Context, since, until time.Time) ([]store.RuleStats, error) {
	var w where
	if !since.IsZero() {
		w.add("h.at >= ?", ms(since))
	}
	if !until.IsZero() {
		w.add("h.at < ?", ms(until))
	}
	// One row per hint with a 0/1 per rating, then summed per rule.
	sql := `SELECT rule_id, CAST(COUNT(*) AS BIGINT),
			CAST(SUM(useful) AS BIGINT), CAST(SUM(not_useful) AS BIGINT), CAST(SUM(used) AS BIGINT), MAX(at)
		FROM (SELECT h.rule_id, h.at,
				CASE WHEN EXISTS (SELECT 1 FROM hint_feedback f WHERE f.call_id = h.call_id AND f.hint_id = h.id AND f.rating = 'useful') THEN 1 ELSE 0 END AS useful,
				CASE WHEN EXISTS (SELECT 1 FROM hint_feedback f WHERE f.call_id = h.call_id AND f.hint_id = h.id AND f.rating = 'not_useful') THEN 1 ELSE 0 END AS not_useful,
				CASE WHEN EXISTS (SELECT 1 FROM hint_feedback f WHERE f.call_id = h.call_id AND f.hint_id = h.id AND f.rating = 'used') THEN 1 ELSE 0 END AS used
			FROM hints h` + w.String() + `) per_hint
		GROUP BY rule_id ORDER BY COUNT(*) DESC, rule_id`
	rows, err := s.R.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, fmt.Errorf("%s: rule usefulness: %w", s.D.Name, err)
	}
	var out []store.RuleStats
	last := map[string]int64{}
	for rows.Next() {
		var r store.RuleStats
		var at int64
		if err := rows.Scan(&r.RuleID, &r.Raised, &r.Useful, &r.NotUseful, &r.Used, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: rule usefulness: %w", s.D.Name, err)
		}
		last[r.RuleID] = at
		out = append(out, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s: rule usefulness: %w", s.D.Name, err)
	}
	for i := range out {
		var payload string
		err := s.R.QueryRow(ctx, `SELECT title, `+s.D.JSONText("payload")+` FROM hints WHERE rule_id = $1 AND at = $2 ORDER BY id LIMIT 1`,
			out[i].RuleID, last[out[i].RuleID]).Scan(&out[i].Title, &payload)
		if err != nil {
			return nil, fmt.Errorf("%s: rule %s title: %w", s.D.Name, out[i].RuleID, err)
		}
		// Both languages, whichever the rule last fired in (rows from before the payload
		// was kept have the one stored title).
		var h struct {
			Title event.Localized `json:"title"`
		}
		if json.Unmarshal([]byte(payload), &h) == nil {
			out[i].Titles = h.Title
		}
		if out[i].Titles.NL == "" && out[i].Titles.EN == "" {
			out[i].Titles = event.Localized{NL: out[i].Title, EN: out[i].Title}
		}
	}
	return out, nil
}

// Trends implements store.Store.
func (s *Store) Trends(ctx context.Context, q store.TrendQuery) ([]store.TrendPoint, error) {
	step := q.Step
	if step <= 0 {
		step = time.Hour
	}
	if step != time.Hour && step != 24*time.Hour {
		return nil, fmt.Errorf("%s: trends: step %v (want 1h or 24h): %w", s.D.Name, step, store.ErrInvalid)
	}
	key := "''"
	switch q.GroupBy {
	case store.GroupNone:
	case store.GroupQueue, store.GroupTeam, store.GroupAgent:
		key = q.GroupBy
	default:
		return nil, fmt.Errorf("%s: trends: group by %q: %w", s.D.Name, q.GroupBy, store.ErrInvalid)
	}
	var w where
	if !q.Since.IsZero() {
		w.add("hour >= ?", ms(q.Since))
	}
	if !q.Until.IsZero() {
		w.add("hour < ?", ms(q.Until))
	}
	if q.Queue != "" {
		w.add("queue = ?", q.Queue)
	}
	if q.Team != "" {
		w.add("team = ?", q.Team)
	}
	if q.Agent != "" {
		w.add("agent = ?", q.Agent)
	}
	if len(q.Teams) > 0 {
		w.in("team", q.Teams)
	}
	stepMS := step.Milliseconds()
	// The step is a constant of the query text (1h or 24h, checked above), so both
	// dialects see integer arithmetic on BIGINT.
	bucket := fmt.Sprintf("(hour / %d) * %d", stepMS, stepMS)
	sql := `SELECT ` + bucket + ` AS bucket, ` + key + ` AS k,
			CAST(SUM(calls) AS BIGINT), CAST(SUM(emotions) AS BIGINT), SUM(arousal_sum), SUM(valence_sum),
			CAST(SUM(negative) AS BIGINT), CAST(SUM(hints_raised) AS BIGINT), CAST(SUM(hints_useful) AS BIGINT)
		FROM trends` + w.String() + ` GROUP BY 1, 2 ORDER BY 1, 2`
	rows, err := s.R.Query(ctx, sql, w.args...)
	if err != nil {
		return nil, fmt.Errorf("%s: trends: %w", s.D.Name, err)
	}
	var out []store.TrendPoint
	for rows.Next() {
		var p store.TrendPoint
		var b, neg int64
		var as, vs float64
		if err := rows.Scan(&b, &p.Key, &p.Calls, &p.Emotions, &as, &vs, &neg, &p.HintsRaised, &p.HintsUseful); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: trends: %w", s.D.Name, err)
		}
		p.Bucket = time.UnixMilli(b).UTC()
		if p.Emotions > 0 {
			n := float64(p.Emotions)
			p.MeanArousal, p.MeanValence, p.NegativeShare = as/n, vs/n, float64(neg)/n
		}
		out = append(out, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("%s: trends: %w", s.D.Name, err)
	}
	return out, nil
}
