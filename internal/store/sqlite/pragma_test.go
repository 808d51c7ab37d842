package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
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
	if err := st.r.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil || v != 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	if _, err := st.r.ExecContext(ctx, "DELETE FROM calls"); err == nil {
		t.Fatal("read pool accepted a write")
	}
}
