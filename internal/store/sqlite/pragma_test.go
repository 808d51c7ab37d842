package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/sqlstore"
)

func TestPragmas(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		db           *sql.DB
		pragma, want string
	}{
		{st.w, "journal_mode", "wal"},
		{st.w, "synchronous", "2"}, // FULL
		{st.w, "foreign_keys", "1"},
		{st.w, "busy_timeout", "10000"},
		{st.r, "foreign_keys", "1"},
		{st.r, "query_only", "1"},
		{st.r, "busy_timeout", "10000"},
	} {
		var got string
		if err := tc.db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := st.r.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || v != ms[len(ms)-1].Version {
		t.Fatalf("schema version %d, %v", v, err)
	}
	if _, err := st.r.ExecContext(ctx, "DELETE FROM calls"); err == nil {
		t.Fatal("read pool accepted a write")
	}
}

// TestUpgradeFromV1 migrates a database made by the first schema and keeps its rows.
func TestUpgradeFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := sqlstore.Migrate(ctx, dbAdapter{db}, Dialect, ms[:1]); err != nil || v != 1 {
		t.Fatalf("v1: %d, %v", v, err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO calls (id, state, agent, started_at) VALUES ('old', 'live', 'A1', 1000);
		INSERT INTO transcripts (call_id, party, start_s, end_s, text, final, lang, at) VALUES ('old', 'customer', 1.25, 2, 'hallo', 1, 'nl', 1000);
		INSERT INTO transcripts (call_id, party, start_s, end_s, text, final, lang, at) VALUES ('old', 'agent', 3.0, 4, 'ja', 0, 'nl', 1000)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.GetCall(ctx, "old")
	if err != nil || c.Agent != "A1" || c.State != "live" {
		t.Fatalf("after upgrade: %+v, %v", c, err)
	}
	tl, err := st.Timeline(ctx, "old")
	if err != nil || len(tl.Transcripts) != 2 || tl.Transcripts[0].Start != 1.25 || tl.Transcripts[0].Text != "hallo" || tl.Transcripts[0].Segment != "" {
		t.Fatalf("transcripts after upgrade: %+v, %v", tl.Transcripts, err)
	}
	// The old row's key is the one SegmentKey makes, so its final can still replace it.
	if err := st.Write(ctx, &store.Batch{Transcripts: []store.TranscriptRow{
		{CallID: "old", Party: "customer", Start: 1.25, End: 3, Text: "hallo daar", Final: true},
		{CallID: "old", Party: "agent", Start: 3, End: 4, Text: "ja hoor", Final: true},
	}}); err != nil {
		t.Fatal(err)
	}
	if tl, _ := st.Timeline(ctx, "old"); len(tl.Transcripts) != 2 || tl.Transcripts[0].Text != "hallo daar" || tl.Transcripts[1].Text != "ja hoor" {
		t.Fatalf("after rewrite: %+v", tl.Transcripts)
	}
	st.SetNode("n1")
	if n, err := st.MarkInterrupted(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("a v1 call has no node, so node n1 must leave it: %d, %v", n, err)
	}

	// A binary that knows fewer migrations refuses a newer database.
	if _, err := sqlstore.Migrate(ctx, dbAdapter{st.w}, Dialect, ms[:1]); err == nil {
		t.Fatal("old binary migrated a newer schema")
	}
}
