// Package sqlite is the embedded store: one SQLite file in the data directory, through
// the pure-Go modernc.org/sqlite driver. WAL journal with synchronous=FULL (a committed
// transaction survives a crash of the process and of the host), busy_timeout, foreign
// keys on. Writes go through a single connection; reads use a small read-only pool,
// which WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite store.
type Store struct {
	*sqlstore.Store
	w, r *sql.DB
	path string
}

var (
	_ store.Store        = (*Store)(nil)
	_ sqlstore.Pipeliner = txAdapter{}
)

func init() {
	store.Register(store.Backend{
		Name:    "sqlite",
		Accepts: func(dsn string) bool { return !store.IsPostgresDSN(dsn) },
		Open: func(ctx context.Context, dsn string) (store.Store, error) {
			return Open(ctx, strings.TrimPrefix(dsn, "sqlite://"))
		},
	})
}

// Dialect is SQLite's.
var Dialect = sqlstore.Dialect{
	Name:     "sqlite",
	JSONText: func(col string) string { return col },
}

// ReadConns is the size of the read pool.
const ReadConns = 4

// Open opens (creating if needed) the database file at path and migrates it to the
// latest schema. The directory must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: empty path: %w", store.ErrInvalid)
	}
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("sqlite: data dir: %w", err)
		}
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	u := "file:" + (&url.URL{Path: path}).EscapedPath()
	w, err := sql.Open("sqlite", u+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := &Store{w: w, path: path}
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if _, err := sqlstore.Migrate(ctx, dbAdapter{w}, Dialect, ms); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	// The read pool opens after migration so it never sees a half-made schema.
	r, err := sql.Open("sqlite", u+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(ReadConns)
	r.SetMaxIdleConns(ReadConns)
	s.r = r
	s.Store = &sqlstore.Store{W: dbAdapter{w}, R: dbAdapter{r}, D: Dialect, CloseFn: s.close}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

func (s *Store) close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Check runs SQLite's integrity check and returns its complaints (nil when "ok").
func (s *Store) Check(ctx context.Context) error {
	rows, err := s.r.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("sqlite: integrity check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return fmt.Errorf("sqlite: integrity check: %w", err)
		}
		if m != "ok" {
			msgs = append(msgs, m)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: integrity check: %w", err)
	}
	if len(msgs) > 0 {
		return fmt.Errorf("sqlite: integrity check: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// dbAdapter adapts database/sql to sqlstore's interfaces.
type dbAdapter struct{ db *sql.DB }

func (a dbAdapter) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := a.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (a dbAdapter) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := a.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rowsAdapter{rows}, nil
}

func (a dbAdapter) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return rowAdapter{a.db.QueryRowContext(ctx, q, args...)}
}

func (a dbAdapter) Begin(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return txAdapter{tx}, nil
}

type txAdapter struct{ tx *sql.Tx }

func (a txAdapter) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := a.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (a txAdapter) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rows, err := a.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rowsAdapter{rows}, nil
}

func (a txAdapter) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return rowAdapter{a.tx.QueryRowContext(ctx, q, args...)}
}

// ExecBatch implements sqlstore.Pipeliner: each distinct statement is prepared once per
// batch (SQLite parses every unprepared Exec again).
func (a txAdapter) ExecBatch(ctx context.Context, stmts []sqlstore.Stmt) error {
	prepared := map[string]*sql.Stmt{}
	defer func() {
		for _, p := range prepared {
			_ = p.Close()
		}
	}()
	for _, st := range stmts {
		p, ok := prepared[st.SQL]
		if !ok {
			var err error
			if p, err = a.tx.PrepareContext(ctx, st.SQL); err != nil {
				return fmt.Errorf("%s: prepare: %w", st.What, err)
			}
			prepared[st.SQL] = p
		}
		if _, err := p.ExecContext(ctx, st.Args...); err != nil {
			return fmt.Errorf("%s: %w", st.What, err)
		}
	}
	return nil
}

func (a txAdapter) Commit(context.Context) error   { return a.tx.Commit() }
func (a txAdapter) Rollback(context.Context) error { return a.tx.Rollback() }

type rowsAdapter struct{ *sql.Rows }

func (r rowsAdapter) Close() { _ = r.Rows.Close() }

type rowAdapter struct{ row *sql.Row }

func (r rowAdapter) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
