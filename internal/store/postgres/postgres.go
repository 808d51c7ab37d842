// Package postgres is the store for several nodes: PostgreSQL through pgx/v5's pool,
// the same SQL as SQLite (sqlstore) over a Postgres schema (jsonb, boolean, identity).
// Migrations take an advisory lock, so nodes that start at once migrate one at a time.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/undertone/undertone/internal/store"
	"github.com/undertone/undertone/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the Postgres store.
type Store struct {
	*sqlstore.Store
	pool *pgxpool.Pool
}

var (
	_ store.Store        = (*Store)(nil)
	_ sqlstore.Pipeliner = txAdapter{}
)

func init() {
	store.Register(store.Backend{
		Name:    "postgres",
		Accepts: store.IsPostgresDSN,
		Open:    func(ctx context.Context, dsn string) (store.Store, error) { return Open(ctx, dsn) },
	})
}

// Dialect is Postgres's.
var Dialect = sqlstore.Dialect{
	Name:          "postgres",
	JSONText:      func(col string) string { return col + "::text" },
	MigrationLock: `SELECT pg_advisory_xact_lock(7236540)`, // "undertone store migrations"
	ForUpdate:     ` FOR UPDATE`,
}

// Open connects to dsn (postgres://user:pass@host:port/db?sslmode=…&pool_max_conns=…)
// and migrates the schema to the latest version.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := poolAdapter{pool}
	if _, err := sqlstore.Migrate(ctx, db, Dialect, ms); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool}
	s.Store = &sqlstore.Store{W: db, R: db, D: Dialect, CloseFn: s.close}
	return s, nil
}

func (s *Store) close() error {
	s.pool.Close() // safe to call twice
	return nil
}

// Pool is the connection pool (for health checks).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

type poolAdapter struct{ p *pgxpool.Pool }

func (a poolAdapter) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := a.p.Exec(ctx, q, args...)
	return rowsAffected(tag, err)
}

func (a poolAdapter) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return a.p.Query(ctx, q, args...)
}

func (a poolAdapter) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return rowAdapter{a.p.QueryRow(ctx, q, args...)}
}

func (a poolAdapter) Begin(ctx context.Context) (sqlstore.Tx, error) {
	tx, err := a.p.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return txAdapter{tx}, nil
}

type txAdapter struct{ tx pgx.Tx }

func (a txAdapter) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := a.tx.Exec(ctx, q, args...)
	return rowsAffected(tag, err)
}

func (a txAdapter) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return a.tx.Query(ctx, q, args...)
}

func (a txAdapter) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return rowAdapter{a.tx.QueryRow(ctx, q, args...)}
}

// ExecBatch implements sqlstore.Pipeliner: every statement in one round trip.
func (a txAdapter) ExecBatch(ctx context.Context, stmts []sqlstore.Stmt) error {
	var b pgx.Batch
	for _, st := range stmts {
		b.Queue(st.SQL, st.Args...)
	}
	br := a.tx.SendBatch(ctx, &b)
	for _, st := range stmts {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("%s: %w", st.What, err)
		}
	}
	return br.Close()
}

func (a txAdapter) Commit(ctx context.Context) error   { return a.tx.Commit(ctx) }
func (a txAdapter) Rollback(ctx context.Context) error { return a.tx.Rollback(ctx) }

func rowsAffected(tag pgconn.CommandTag, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

type rowAdapter struct{ row pgx.Row }

func (r rowAdapter) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}
