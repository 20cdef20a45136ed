package servertest

import (
	"testing"

	"github.com/ttpnl/ttp/server/store/pgtest"
)

// Backend is a store backend a fixture's server runs on.
type Backend string

const (
	// Badger is the embedded store in the fixture's directory: NewFixture's
	// default.
	Badger Backend = "badger"
	// Postgres is a fresh database on pgtest's throwaway cluster. The test's
	// package must call pgtest.Main from its TestMain.
	Postgres Backend = "postgres"
)

// Backends are every backend, for tests that run once on each.
var Backends = []Backend{Badger, Postgres}

// UseBackend puts the fixture's store on b, and rewrites the
// configuration file so that a ttpd process started on it uses b too.
// Call it before the server first starts.
func (f *Fixture) UseBackend(t testing.TB, b Backend) {
	t.Helper()
	switch b {
	case Badger:
		if f.Config.StoreURL != "" {
			t.Fatal("servertest: the fixture's store is already on PostgreSQL")
		}
	case Postgres:
		f.UsePostgres(t)
	default:
		t.Fatalf("servertest: unknown backend %q", b)
	}
}

// UsePostgres puts the fixture's store in a fresh, empty PostgreSQL
// database (pgtest.URL, dropped when the test ends), and rewrites the
// configuration file.
func (f *Fixture) UsePostgres(t testing.TB) {
	t.Helper()
	f.Config.StoreURL = pgtest.URL(t)
	f.Config.StoreDir = "" // one store, named once
	check(t, f.Config.Write(f.ConfigPath))
}

// Backend is the backend the fixture's store is on.
func (f *Fixture) Backend() Backend {
	if f.Config.StoreURL != "" {
		return Postgres
	}
	return Badger
}
