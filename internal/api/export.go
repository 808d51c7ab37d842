package api

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/internal/event"
	"github.com/undertone/undertone/internal/store"
)

// Export bounds: a call list export stops after this many calls or bytes and says so in
// its last line (CSV) or "truncated" field (JSON), so one request cannot stream forever.
const (
	MaxExportCalls = 50_000
	MaxExportBytes = 64 << 20
	exportPage     = 500
)

// errExportFull ends a streamed export at its size bound.
var errExportFull = errors.New("export size limit reached")

// boundedWriter counts bytes and refuses to pass MaxExportBytes.
type boundedWriter struct {
	w        io.Writer
	n, limit int64
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	if b.n+int64(len(p)) > b.limit {
		return 0, errExportFull
	}
	n, err := b.w.Write(p)
	b.n += int64(n)
	return n, err
}

// csvSafe defuses spreadsheet formula injection: a cell that a spreadsheet would
// evaluate (=, +, -, @, tab, CR) gets a leading apostrophe. Transcripts are caller speech.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func exportFormat(w http.ResponseWriter, r *http.Request, allowed ...string) (string, bool) {
	f := r.URL.Query().Get("format")
	if f == "" {
		f = allowed[0]
	}
	for _, a := range allowed {
		if f == a {
			return f, true
		}
	}
	writeError(w, 400, badParam("format", "want "+strings.Join(allowed, " or ")).Error())
	return "", false
}

func attachment(w http.ResponseWriter, name, format string) {
	ct := "text/csv; charset=utf-8"
	if format == "json" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"."+format))
	w.Header().Set("Cache-Control", "no-store")
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func ttoa(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// exportCall is GET /v1/calls/{id}/export?format=csv|json: the call's timeline as one
// JSON document, or as CSV with one row per emotion, transcript, intent, hint and
// feedback (kind, party, start, end, label, value, confidence, text, at).
func (s *Server) exportCall(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if err := knownParams(r.URL.Query(), "format"); err != nil {
		writeError(w, 400, err.Error())
		return
	}
	format, ok := exportFormat(w, r, "json", "csv")
	if !ok {
		return
	}
	tl, ok := s.loadTimeline(w, r, p)
	if !ok {
		return
	}
	attachment(w, "call-"+tl.Call.ID, format)
	if format == "json" {
		writeJSON(w, 200, tl)
		return
	}
	w.WriteHeader(200)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"kind", "party", "start", "end", "label", "value", "confidence", "text", "at"})
	for _, e := range tl.Emotions {
		_ = cw.Write([]string{"emotion", e.Party, ftoa(e.TStart), ftoa(e.TEnd), e.Top,
			"arousal=" + ftoa(e.Arousal) + " valence=" + ftoa(e.Valence), ftoa(e.Confidence), "", ttoa(e.At)})
	}
	for _, t := range tl.Transcripts {
		final := "partial"
		if t.Final {
			final = "final"
		}
		_ = cw.Write([]string{"transcript", t.Party, ftoa(t.Start), ftoa(t.End), final, t.Lang, ftoa(t.Confidence),
			csvSafe(t.Text), ttoa(t.At)})
	}
	for _, in := range tl.Intents {
		_ = cw.Write([]string{"intent", in.Party, ftoa(in.T), "", csvSafe(in.Intent), "", ftoa(in.Confidence), "", ttoa(in.At)})
	}
	for _, h := range tl.Hints {
		_ = cw.Write([]string{"hint", "", "", "", csvSafe(h.RuleID), csvSafe(h.ID), "", csvSafe(h.Title), ttoa(h.At)})
		for _, f := range h.Feedback {
			_ = cw.Write([]string{"feedback", "", "", "", csvSafe(h.RuleID), f.Rating, "", csvSafe(f.Agent), ttoa(f.At)})
		}
	}
	for _, row := range summaryRows(tl.Call.Summary) {
		_ = cw.Write(row)
	}
	cw.Flush()
}

// summaryRows are the after-call summary as CSV rows of kind "summary": label is the
// figure's name, value its value.
func summaryRows(sum *event.Summary) [][]string {
	if sum == nil {
		return nil
	}
	row := func(label, value string) []string { return []string{"summary", "", "", "", label, value, "", "", ""} }
	rows := [][]string{row("duration_s", ftoa(sum.DurationS)), row("peak_risk", ftoa(sum.PeakRisk))}
	if d := sum.Dynamics; d != nil {
		rows = append(rows, row("talk_ratio", ftoa(d.TalkRatio)), row("longest_silence_s", ftoa(d.LongestSilenceS)),
			row("overtalk_s", ftoa(d.OvertalkS)), row("interruptions_by_agent", strconv.Itoa(d.Interruptions.Agent)),
			row("interruptions_by_customer", strconv.Itoa(d.Interruptions.Customer)))
	}
	for _, c := range sum.Intents {
		rows = append(rows, row("intent", csvSafe(c.ID)+"×"+strconv.Itoa(c.Count)))
	}
	for _, c := range sum.Needs {
		rows = append(rows, row("need", csvSafe(c.ID)+"×"+strconv.Itoa(c.Count)))
	}
	return rows
}

var callCSVHeader = []string{"id", "state", "source", "agent", "team", "queue", "started_at", "ended_at",
	"duration_s", "reason", "parties", "peak_risk"}

func callCSVRow(c store.CallRecord) []string {
	dur := ""
	if !c.StartedAt.IsZero() && !c.EndedAt.IsZero() {
		dur = ftoa(c.EndedAt.Sub(c.StartedAt).Round(time.Millisecond).Seconds())
	}
	risk := ""
	if c.Summary != nil {
		risk = ftoa(c.Summary.PeakRisk)
	}
	return []string{csvSafe(c.ID), c.State, csvSafe(c.Source), csvSafe(c.Agent), csvSafe(c.Team), csvSafe(c.Queue),
		ttoa(c.StartedAt), ttoa(c.EndedAt), dur, csvSafe(c.Reason), strings.Join(c.Parties, ";"), risk}
}

// exportCalls is GET /v1/calls/export?format=csv|json&<search filters>: every call the
// search matches (as p may see them), streamed page by page from the store, bounded by
// MaxExportCalls and MaxExportBytes. limit bounds the calls (default MaxExportCalls).
func (s *Server) exportCalls(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	limitParam := q.Get("limit")
	q.Del("limit") // callQuery bounds limit to a page; an export's limit is larger
	cq, code, err := callQuery(q, p, "format")
	if err != nil {
		writeError(w, code, err.Error())
		return
	}
	if limitParam != "" {
		q.Set("limit", limitParam)
	}
	maxCalls, err := parseInt(q, "limit", MaxExportCalls, 1, MaxExportCalls)
	if err != nil {
		writeError(w, 400, err.Error())
		return
	}
	format, ok := exportFormat(w, r, "csv", "json")
	if !ok {
		return
	}
	if s.p.DB == nil {
		writeError(w, http.StatusServiceUnavailable, "no store configured")
		return
	}
	// Fetch the first page before answering, so a store failure is still a clean 503.
	cq.Limit = min(exportPage, maxCalls)
	page, err := s.p.DB.ListCalls(r.Context(), cq)
	if err != nil {
		s.storeError(w, "export calls", err)
		return
	}
	attachment(w, "calls", format)
	w.WriteHeader(200)
	bw := &boundedWriter{w: w, limit: MaxExportBytes}
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(bw)
		_ = cw.Write(callCSVHeader)
	} else {
		_, _ = io.WriteString(bw, `{"calls":[`)
	}
	n, truncated := 0, false
	for len(page) > 0 && !truncated {
		for _, c := range page {
			if n == maxCalls {
				truncated = true
				break
			}
			if cw != nil {
				err = cw.Write(callCSVRow(c))
			} else {
				var b []byte
				if b, err = json.Marshal(toCallJSON(c)); err == nil {
					if n > 0 {
						b = append([]byte{','}, b...)
					}
					_, err = bw.Write(b)
				}
			}
			if err != nil {
				truncated = true
				break
			}
			n++
		}
		if cw != nil {
			cw.Flush()
			if cw.Error() != nil {
				truncated = true
			}
		}
		if truncated || len(page) < cq.Limit || r.Context().Err() != nil {
			break
		}
		cq.Offset += len(page)
		cq.Limit = min(exportPage, maxCalls-n+1) // one more than needed shows whether there is more
		if page, err = s.p.DB.ListCalls(r.Context(), cq); err != nil {
			s.p.Log.Error("store: export calls page", "offset", cq.Offset, "err", err)
			truncated = true
		}
	}
	// The trailer goes past the byte bound on purpose: it is small and says the file is cut.
	if format == "csv" {
		if truncated {
			_, _ = io.WriteString(w, "# truncated after "+strconv.Itoa(n)+" calls\n")
		}
		return
	}
	_, _ = fmt.Fprintf(w, `],"count":%d,"truncated":%t}`+"\n", n, truncated)
}
