package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// Store implements store.Store over a DB. W takes every write; R serves reads (the same
// DB for Postgres, a read-only pool beside SQLite's single writer connection).
type Store struct {
	W       DB
	R       Querier
	D       Dialect
	CloseFn func() error
	node    string
}

// SetNode implements store.NodeScoped. Call it before the store is used.
func (s *Store) SetNode(node string) { s.node = node }

var _ store.Store = (*Store)(nil)

// ms is a time as stored: Unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS reverses ms.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func validState(s string) bool {
	return s == store.StateLive || s == store.StateEnded || s == store.StateInterrupted
}

// inTx runs fn in a transaction on the writer.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx Tx) error) error {
	tx, err := s.W.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%s: %s: begin: %w", s.D.Name, what, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return fmt.Errorf("%s: %s: %w", s.D.Name, what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("%s: %s: commit: %w", s.D.Name, what, err)
	}
	return nil
}

func callArgs(c store.CallRecord) ([]any, error) {
	parties := c.Parties
	if parties == nil {
		parties = []string{}
	}
	p, err := jsonText(parties)
	if err != nil {
		return nil, err
	}
	meta := c.Meta
	if meta == nil {
		meta = map[string]string{}
	}
	m, err := jsonText(meta)
	if err != nil {
		return nil, err
	}
	sum, err := jsonText(c.Summary)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.Source, c.State, c.Agent, c.Team, c.Queue, ms(c.StartedAt), ms(c.EndedAt), c.Reason, p, sum, m}, nil
}

// callCols are the columns callArgs fills, then node ($13).
const callCols = `id, source, state, agent, team, queue, started_at, ended_at, reason, parties, summary, meta, node`

// CallStarted implements store.Store.
func (s *Store) CallStarted(ctx context.Context, c store.CallRecord) error {
	if c.ID == "" {
		return fmt.Errorf("%s: call started: empty id: %w", s.D.Name, store.ErrInvalid)
	}
	c.State, c.EndedAt, c.Reason, c.Summary = store.StateLive, time.Time{}, "", nil
	args, err := callArgs(c)
	if err != nil {
		return fmt.Errorf("%s: call %s: %w", s.D.Name, c.ID, err)
	}
	// A row the call's own events made before it started (a placeholder: no source, no
	// start) is filled in; any other row with this id is an earlier call, which a new call
	// must never take over (ErrExists).
	n, err := s.W.Exec(ctx, `INSERT INTO calls (`+callCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (id) DO UPDATE SET source = excluded.source, state = excluded.state, agent = excluded.agent,
			team = excluded.team, queue = excluded.queue, started_at = excluded.started_at, ended_at = 0,
			reason = '', parties = excluded.parties, summary = excluded.summary, meta = excluded.meta,
			node = excluded.node
		WHERE calls.source = '' AND calls.started_at = 0`, append(args, s.node)...)
	if err != nil {
		return fmt.Errorf("%s: call started %s: %w", s.D.Name, c.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: call started %s: %w", s.D.Name, c.ID, store.ErrExists)
	}
	return nil
}

// CallEnded implements store.Store.
func (s *Store) CallEnded(ctx context.Context, c store.CallRecord) error {
	if c.ID == "" {
		return fmt.Errorf("%s: call ended: empty id: %w", s.D.Name, store.ErrInvalid)
	}
	if c.State == "" || c.State == store.StateLive {
		c.State = store.StateEnded
	}
	if !validState(c.State) {
		return fmt.Errorf("%s: call ended %s: state %q: %w", s.D.Name, c.ID, c.State, store.ErrInvalid)
	}
	args, err := callArgs(c)
	if err != nil {
		return fmt.Errorf("%s: call %s: %w", s.D.Name, c.ID, err)
	}
	return s.inTx(ctx, "call ended "+c.ID, func(tx Tx) error {
		var prev string
		var prevStarted int64
		var q, team, agent string
		err := tx.QueryRow(ctx, `SELECT state, started_at, queue, team, agent FROM calls WHERE id = $1`+s.D.ForUpdate, c.ID).
			Scan(&prev, &prevStarted, &q, &team, &agent)
		switch {
		case errors.Is(err, ErrNoRows):
			prev = ""
		case err != nil:
			return err
		}
		// Fields the end record leaves empty keep what the start stored.
		_, err = tx.Exec(ctx, `INSERT INTO calls (`+callCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (id) DO UPDATE SET
				source = CASE WHEN excluded.source = '' THEN calls.source ELSE excluded.source END,
				state = excluded.state,
				agent = CASE WHEN excluded.agent = '' THEN calls.agent ELSE excluded.agent END,
				team = CASE WHEN excluded.team = '' THEN calls.team ELSE excluded.team END,
				queue = CASE WHEN excluded.queue = '' THEN calls.queue ELSE excluded.queue END,
				started_at = CASE WHEN excluded.started_at = 0 THEN calls.started_at ELSE excluded.started_at END,
				ended_at = excluded.ended_at, reason = excluded.reason,
				parties = CASE WHEN `+s.D.JSONText("excluded.parties")+` = '[]' THEN calls.parties ELSE excluded.parties END,
				summary = excluded.summary,
				meta = CASE WHEN `+s.D.JSONText("excluded.meta")+` = '{}' THEN calls.meta ELSE excluded.meta END`, append(args, s.node)...)
		if err != nil {
			return err
		}
		if prev == store.StateEnded || prev == store.StateInterrupted {
			return nil // counted already
		}
		started := c.StartedAt
		if prev != "" && prevStarted != 0 {
			started = fromMS(prevStarted)
		}
		if started.IsZero() {
			started = c.EndedAt
		}
		td := store.TrendDelta{Hour: started, Queue: first(c.Queue, q), Team: first(c.Team, team), Agent: first(c.Agent, agent), Calls: 1}
		return addTrend(ctx, tx, td)
	})
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// MarkInterrupted implements store.Store.
func (s *Store) MarkInterrupted(ctx context.Context, at time.Time) (int, error) {
	q := `UPDATE calls SET state = $1, ended_at = $2, reason = $3 WHERE state = $4`
	args := []any{store.StateInterrupted, ms(at), store.ReasonInterrupted, store.StateLive}
	if s.node != "" {
		q += ` AND node = $5`
		args = append(args, s.node)
	}
	n, err := s.W.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: mark interrupted: %w", s.D.Name, err)
	}
	return int(n), nil
}

func (s *Store) callSelect() string {
	return `SELECT id, source, state, agent, team, queue, started_at, ended_at, reason, ` +
		s.D.JSONText("parties") + `, ` + s.D.JSONText("summary") + `, ` + s.D.JSONText("meta") + ` FROM calls`
}

func scanCall(sc interface{ Scan(...any) error }) (store.CallRecord, error) {
	var c store.CallRecord
	var started, ended int64
	var parties, summary, meta string
	if err := sc.Scan(&c.ID, &c.Source, &c.State, &c.Agent, &c.Team, &c.Queue, &started, &ended, &c.Reason, &parties, &summary, &meta); err != nil {
		return c, err
	}
	c.StartedAt, c.EndedAt = fromMS(started), fromMS(ended)
	if err := json.Unmarshal([]byte(parties), &c.Parties); err != nil {
		return c, fmt.Errorf("call %s parties: %w", c.ID, err)
	}
	if len(c.Parties) == 0 {
		c.Parties = nil
	}
	if summary != "" && summary != "null" {
		c.Summary = new(event.Summary)
		if err := json.Unmarshal([]byte(summary), c.Summary); err != nil {
			return c, fmt.Errorf("call %s summary: %w", c.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(meta), &c.Meta); err != nil {
		return c, fmt.Errorf("call %s meta: %w", c.ID, err)
	}
	if len(c.Meta) == 0 {
		c.Meta = nil
	}
	return c, nil
}

// GetCall implements store.Store.
func (s *Store) GetCall(ctx context.Context, id string) (store.CallRecord, error) {
	c, err := scanCall(s.R.QueryRow(ctx, s.callSelect()+` WHERE id = $1`, id))
	if errors.Is(err, ErrNoRows) {
		return store.CallRecord{}, fmt.Errorf("%s: call %q: %w", s.D.Name, id, store.ErrNotFound)
	}
	if err != nil {
		return store.CallRecord{}, fmt.Errorf("%s: call %q: %w", s.D.Name, id, err)
	}
	return c, nil
}

// where builds a conjunction of conditions with numbered placeholders.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each "?" in cond becomes the next placeholder for the next arg.
func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' {
			w.args = append(w.args, args[i])
			i++
			fmt.Fprintf(&b, "$%d", len(w.args))
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

func (w *where) in(col string, vals []string) {
	ph := make([]string, len(vals))
	for i, v := range vals {
		w.args = append(w.args, v)
		ph[i] = fmt.Sprintf("$%d", len(w.args))
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ph, ", ")+")")
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func (w *where) next() string { return fmt.Sprintf("$%d", len(w.args)+1) }

// likePattern escapes s for LIKE … ESCAPE '\' as a lower-case substring match.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// ListCalls implements store.Store.
func (s *Store) ListCalls(ctx context.Context, q store.CallQuery) ([]store.CallRecord, error) {
	var w where
	if q.State != "" {
		w.add("state = ?", q.State)
	}
	switch {
	case q.Agent != "" && q.Unassigned:
		w.add("(agent = ? OR agent = '')", q.Agent)
	case q.Agent != "":
		w.add("agent = ?", q.Agent)
	}
	if q.Team != "" {
		w.add("team = ?", q.Team)
	}
	if q.Queue != "" {
		w.add("queue = ?", q.Queue)
	}
	if len(q.Teams) > 0 {
		w.in("team", q.Teams)
	}
	if !q.Since.IsZero() {
		w.add("started_at >= ?", ms(q.Since))
	}
	if !q.Until.IsZero() {
		w.add("started_at < ?", ms(q.Until))
	}
	if q.Text != "" {
		p := likePattern(q.Text)
		w.add(`(lower(id) LIKE ? ESCAPE '\' OR lower(`+s.D.JSONText("meta")+`) LIKE ? ESCAPE '\'`+
			` OR EXISTS (SELECT 1 FROM transcripts t WHERE t.call_id = calls.id AND lower(t.text) LIKE ? ESCAPE '\'))`, p, p, p)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	limit = min(limit, store.MaxLimit)
	sql := s.callSelect() + w.String() + ` ORDER BY started_at DESC, id DESC LIMIT ` + w.next()
	args := append(w.args, int64(limit))
	if q.Offset > 0 {
		sql += fmt.Sprintf(` OFFSET $%d`, len(args)+1)
		args = append(args, int64(q.Offset))
	}
	rows, err := s.R.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: list calls: %w", s.D.Name, err)
	}
	defer rows.Close()
	var out []store.CallRecord
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: list calls: %w", s.D.Name, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: list calls: %w", s.D.Name, err)
	}
	return out, nil
}

// RetainSlice is how many calls one retention transaction deletes.
const RetainSlice = 500

// Retain implements store.Store.
func (s *Store) Retain(ctx context.Context, olderThan time.Time) (int, error) {
	// In slices, so the writer (SQLite has one) is never held for long.
	total := 0
	for {
		n, err := s.W.Exec(ctx, `DELETE FROM calls WHERE id IN
			(SELECT id FROM calls WHERE state <> $1 AND started_at < $2 ORDER BY started_at LIMIT $3)`,
			store.StateLive, ms(olderThan), int64(RetainSlice))
		if err != nil {
			return total, fmt.Errorf("%s: retain: %w", s.D.Name, err)
		}
		total += int(n)
		if n < RetainSlice {
			return total, nil
		}
	}
}

// Close implements store.Store.
func (s *Store) Close() error {
	if s.CloseFn == nil {
		return nil
	}
	return s.CloseFn()
}
