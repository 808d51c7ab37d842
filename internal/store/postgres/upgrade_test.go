package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/postgres/pgtest"
	"github.com/undertone/undertone/internal/store/sqlstore"
)

// TestUpgradeFromV1 migrates a database made by the first schema and keeps its rows.
// It starts its own server (this internal test package has no TestMain).
func TestUpgradeFromV1(t *testing.T) {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Skipf("SKIPPED LOUDLY: no PostgreSQL server: %v", err)
	}
	defer srv.Stop()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := sqlstore.Migrate(ctx, poolAdapter{pool}, Dialect, ms[:1]); err != nil || v != 1 {
		t.Fatalf("v1: %d, %v", v, err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO calls (id, state, agent, started_at) VALUES ('old', 'live', 'A1', 1000);
		INSERT INTO transcripts (call_id, party, start_s, end_s, text, final, lang, at) VALUES ('old', 'customer', 1.25, 2, 'hallo', true, 'nl', 1000);
		INSERT INTO transcripts (call_id, party, start_s, end_s, text, final, lang, at) VALUES ('old', 'agent', 3.0, 4, 'ja', false, 'nl', 1000)`); err != nil {
		t.Fatal(err)
	}
	pool.Close()

	st, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Write(ctx, &store.Batch{Transcripts: []store.TranscriptRow{
		{CallID: "old", Party: "customer", Start: 1.25, End: 3, Text: "hallo daar", Final: true},
		{CallID: "old", Party: "agent", Start: 3, End: 4, Text: "ja hoor", Final: true},
	}}); err != nil {
		t.Fatal(err)
	}
	tl, err := st.Timeline(ctx, "old")
	if err != nil || len(tl.Transcripts) != 2 || tl.Transcripts[0].Text != "hallo daar" || tl.Transcripts[1].Text != "ja hoor" {
		t.Fatalf("after upgrade and rewrite: %+v, %v", tl.Transcripts, err)
	}
	st.SetNode("n1")
	if n, err := st.MarkInterrupted(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("a v1 call has no node, so node n1 must leave it: %d, %v", n, err)
	}
}
