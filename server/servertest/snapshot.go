package servertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Snapshot is a copy of a fixture's store as it was at one moment, for a
// test that compares two runs from the same start: the linkage key is made
// when a store is first opened, and two stores with different keys encode
// records a little differently.
type Snapshot struct {
	f   *Fixture
	dir string // Badger: a copy of the store's directory
	url string // PostgreSQL: a copy of the database
}

// SnapshotStore copies the fixture's store. No server may have it open:
// Badger's files would be copied mid-write, and PostgreSQL refuses to copy
// a database that is in use.
func (f *Fixture) SnapshotStore(t testing.TB) *Snapshot {
	t.Helper()
	s := &Snapshot{f: f}
	if f.Config.StoreURL != "" {
		s.url = CopyPostgres(t, f.Config.StoreURL)
		return s
	}
	s.dir = filepath.Join(t.TempDir(), "store")
	check(t, os.CopyFS(s.dir, os.DirFS(f.Config.StoreDir)))
	return s
}

// Restore replaces the fixture's store with a fresh copy of the snapshot
// (no server may have it open), and rewrites the configuration file. The
// snapshot stays as it was, for another Restore.
func (s *Snapshot) Restore(t testing.TB) {
	t.Helper()
	if s.url != "" {
		s.f.Config.StoreURL = CopyPostgres(t, s.url)
		check(t, s.f.Config.Write(s.f.ConfigPath))
		return
	}
	check(t, os.RemoveAll(s.f.Config.StoreDir))
	check(t, os.CopyFS(s.f.Config.StoreDir, os.DirFS(s.dir)))
}

// copies numbers the databases CopyPostgres makes.
var copies atomic.Int64

// CopyPostgres copies the database at dbURL (CREATE DATABASE ... TEMPLATE)
// and returns the copy's URL; the copy is dropped when the test ends. No
// one may be connected to the database: PostgreSQL waits a few seconds for
// sessions that are ending, then refuses.
func CopyPostgres(t testing.TB, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	check(t, err)
	source := strings.TrimPrefix(u.Path, "/")
	if source == "" || strings.Contains(source, "/") {
		t.Fatalf("servertest: %q names no database", dbURL)
	}
	name := fmt.Sprintf("%s_copy%d", source, copies.Add(1))
	check(t, postgresAdmin(*u, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{source}.Sanitize()))
	t.Cleanup(func() {
		if err := postgresAdmin(*u, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("servertest: %v", err)
		}
	})
	copied := *u
	copied.Path = "/" + name
	return copied.String()
}

// postgresAdmin runs one statement in the cluster's postgres database, on a
// connection of its own: CREATE and DROP DATABASE run outside transactions,
// and not in the database they copy or drop.
func postgresAdmin(u url.URL, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}
