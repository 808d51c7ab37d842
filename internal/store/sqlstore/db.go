// Package sqlstore is the SQL both store backends share. A backend adapts its driver
// (database/sql for SQLite, pgxpool for Postgres) to the small interfaces below and
// supplies its migrations and a Dialect; the queries are written once, with $N
// placeholders, which SQLite and Postgres both understand.
//
// Conventions that keep one SQL text valid in both: times are BIGINT Unix milliseconds,
// no column is NULL (zero values instead), JSON is written as text (the Postgres schema
// may declare jsonb and cast back to text when reading), booleans are bound as Go bools.
package sqlstore

import (
	"context"
	"errors"
)

// ErrNoRows is what an adapter's Row.Scan returns when the query found nothing.
var ErrNoRows = errors.New("sqlstore: no rows")

// Querier runs statements.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Rows is a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is one row; Scan returns ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a transaction.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Stmt is one statement of a batch; What names it in errors.
type Stmt struct {
	SQL  string
	Args []any
	What string
}

// Pipeliner is implemented by transactions that can send many statements in one round
// trip (pgx batches). It runs stmts in order and stops at the first error.
type Pipeliner interface {
	ExecBatch(ctx context.Context, stmts []Stmt) error
}

// DB opens transactions.
type DB interface {
	Querier
	Begin(ctx context.Context) (Tx, error)
}

// Dialect is what differs between the backends.
type Dialect struct {
	Name string
	// JSONText renders a JSON column as text (Postgres: col::text).
	JSONText func(col string) string
	// MigrationLock is run first in the migration transaction to serialise nodes that
	// migrate at once ("" for none).
	MigrationLock string
	// ForUpdate is appended to a SELECT that reads a row the transaction then updates
	// (Postgres: " FOR UPDATE"; SQLite's single writer needs none).
	ForUpdate string
}
