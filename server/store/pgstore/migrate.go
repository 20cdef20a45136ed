package pgstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// The schema is versioned by goose (github.com/pressly/goose/v3), chosen
// over golang-migrate because it runs each migration file in a transaction
// of its own, which PostgreSQL's transactional DDL makes all or nothing: a
// failed migration leaves the previous version in place, where
// golang-migrate marks the database "dirty" for an operator to repair by
// hand. Its Provider API has no package-level state, reads an embed.FS,
// and holds a session lock while it migrates, so that of two ttpd
// processes starting at once one migrates and the other waits, then finds
// nothing left to do.

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate brings the schema to the newest version, on connections of its
// own (database/sql over pgx) that it closes when done. It refuses a
// database whose schema is newer than this program knows.
func migrate(ctx context.Context, cfg *pgx.ConnConfig, log *slog.Logger) error {
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithSessionLocker(migrationLocker{}), goose.WithSlog(log), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("pgstore: migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return wrap("migrate the schema", err)
	}
	for _, r := range results {
		log.Info("pgstore: schema migrated", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return wrap("read the schema version", err)
	}
	sources := p.ListSources()
	newest := sources[len(sources)-1].Version
	if current > newest {
		return fmt.Errorf("pgstore: the database's schema is version %d, newer than this program's %d: run a newer ttpd", current, newest)
	}
	return nil
}

// migrationLocker is the session lock goose holds while it migrates: a
// blocking pg_advisory_lock, so that a second process waits in the
// server's queue and goes on as soon as the first is done (goose's own
// Postgres locker polls pg_try_advisory_lock, at most once a second). The
// wait ends with Open's context; the lock, with the session if need be.
type migrationLocker struct{}

var _ lock.SessionLocker = migrationLocker{}

func (migrationLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey)
	return err
}

func (migrationLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	return err
}
