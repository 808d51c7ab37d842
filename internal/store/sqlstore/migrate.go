package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one versioned schema change, from a file named NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads every *.sql file of dir in fsys, ordered by version.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %q: want NNNN_name.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqlstore: migrations %q and %q share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %q: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Migrate applies the migrations newer than the schema's version, each in its own
// transaction together with its row in schema_migrations. It returns the version after.
// A database newer than the code (a version this binary does not know) is an error.
func Migrate(ctx context.Context, db DB, d Dialect, ms []Migration) (int, error) {
	// Under the lock: CREATE TABLE IF NOT EXISTS races with itself in Postgres.
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if d.MigrationLock != "" {
		if _, err := tx.Exec(ctx, d.MigrationLock); err != nil {
			_ = tx.Rollback(ctx)
			return 0, fmt.Errorf("sqlstore: migration lock: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		_ = tx.Rollback(ctx)
		return 0, fmt.Errorf("sqlstore: create schema_migrations: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("sqlstore: create schema_migrations: %w", err)
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].Version
	}
	cur := 0
	for _, m := range ms {
		var cur64 int64
		tx, err := db.Begin(ctx)
		if err != nil {
			return cur, fmt.Errorf("sqlstore: migrate: %w", err)
		}
		if d.MigrationLock != "" {
			if _, err := tx.Exec(ctx, d.MigrationLock); err != nil {
				_ = tx.Rollback(ctx)
				return cur, fmt.Errorf("sqlstore: migration lock: %w", err)
			}
		}
		if err := tx.QueryRow(ctx, `SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations`).Scan(&cur64); err != nil {
			_ = tx.Rollback(ctx)
			return cur, fmt.Errorf("sqlstore: schema version: %w", err)
		}
		cur = int(cur64)
		if cur > latest {
			_ = tx.Rollback(ctx)
			return cur, fmt.Errorf("sqlstore: %s schema version %d is newer than this binary's %d", d.Name, cur, latest)
		}
		if m.Version <= cur {
			_ = tx.Rollback(ctx)
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			_ = tx.Rollback(ctx)
			return cur, fmt.Errorf("sqlstore: migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			int64(m.Version), m.Name, time.Now().UnixMilli()); err != nil {
			_ = tx.Rollback(ctx)
			return cur, fmt.Errorf("sqlstore: record migration %s: %w", m.Name, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return cur, fmt.Errorf("sqlstore: commit migration %s: %w", m.Name, err)
		}
		cur = m.Version
	}
	return cur, nil
}
