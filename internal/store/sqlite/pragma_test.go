package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

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
	var v int
	if err := st.r.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || v != 2 {
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
	if _, err := db.ExecContext(ctx, `INSERT INTO calls (id, state, agent, started_at) VALUES ('old', 'live', 'A1', 1000)`); err != nil {
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
	st.SetNode("n1")
	if n, err := st.MarkInterrupted(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("a v1 call has no node, so node n1 must leave it: %d, %v", n, err)
	}

	// A binary that knows fewer migrations refuses a newer database.
	if _, err := sqlstore.Migrate(ctx, dbAdapter{st.w}, Dialect, ms[:1]); err == nil {
		t.Fatal("old binary migrated a newer schema")
	}
}
