package pgstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/pgstore"
	"github.com/ttpnl/ttp/server/store/pgtest"
)

var ctx = context.Background()

// Two processes that open a new database at once: one migrates, the other
// waits and finds the schema in place.
func TestOpenConcurrentlyMigratesOnce(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	stores := make([]*pgstore.Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = pgstore.Open(ctx, url, quiet) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	conn := connect(t, url)
	var applied int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(files) {
		t.Errorf("migrations applied: %d rows, want one per file, %d", applied, len(files))
	}
	// All see one store.
	if err := stores[0].Update(ctx, func(tx store.Tx) error { return tx.Keyrings().Create("k", []byte{1}) }); err != nil {
		t.Fatal(err)
	}
	if err := stores[3].View(ctx, func(tx store.Tx) error { _, err := tx.Keyrings().Get("k"); return err }); err != nil {
		t.Fatal(err)
	}
}

// A database that a newer ttpd migrated is refused, not misread.
func TestOpenRefusesNewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	open(t, url).Close()
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
		t.Fatal(err)
	}
	_, err := pgstore.Open(ctx, url, quiet)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

// Errors from Open do not show the URL's password.
func TestOpenErrorsHideThePassword(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	for _, url := range []string{
		"postgres://ttp:" + secret + "@127.0.0.1:1/ttp?sslmode=disable&connect_timeout=2",
		"postgres://ttp:" + secret + "@127.0.0.1:notaport/ttp",
		"host=127.0.0.1 port=1 user=ttp password=" + secret + " sslmode=disable connect_timeout=2",
		"host=127.0.0.1 port=x user=ttp password=" + secret,
		"postgres://ttp@127.0.0.1:1/ttp?password=" + secret + "&sslmode=disable&connect_timeout=2",
	} {
		_, err := pgstore.Open(ctx, url, quiet)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", url)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// A refused Add names no key, and neither does a unique violation's error,
// although PostgreSQL's detail quotes it.
func TestErrorsShowNoKeys(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url)
	const source = 0x1234567890abcdef
	rec := store.IndexRecord{ID: 1, Source: source, Person: 5, Features: []byte("features"), Blocks: []uint64{77}}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().Add([]store.IndexRecord{rec}) }); err != nil {
		t.Fatal(err)
	}
	rec.ID = 2
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().Add([]store.IndexRecord{rec}) })
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("Add of a stored source: %v", err)
	}
	checkNoKey(t, err, source)

	// Without PersonIndex.Lock, a concurrent Add of one source ends in a
	// unique violation: still ErrExists, still without the key.
	peer := open(t, url)
	started, release := make(chan struct{}), make(chan struct{})
	go s.Update(ctx, func(tx store.Tx) error {
		err := tx.Index().Add([]store.IndexRecord{{ID: 10, Source: source + 1, Person: 5}})
		close(started)
		<-release
		return err
	})
	<-started
	done := make(chan error)
	go func() {
		done <- peer.Update(ctx, func(tx store.Tx) error {
			return tx.Index().Add([]store.IndexRecord{{ID: 11, Source: source + 1, Person: 5}})
		})
	}()
	waitForLockWait(t, connect(t, url))
	close(release)
	err = <-done
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("concurrent Add of one source: %v", err)
	}
	checkNoKey(t, err, source+1)
	var sqlState interface{ SQLState() string }
	if !errors.As(err, &sqlState) || sqlState.SQLState() != "23505" {
		t.Errorf("unique violation's SQLSTATE: %v", err)
	}
}

func checkNoKey(t *testing.T, err error, key uint64) {
	t.Helper()
	for _, form := range []string{itoa(key), strconv.FormatInt(int64(key), 10), hex(key)} {
		if strings.Contains(err.Error(), form) {
			t.Errorf("error shows key %s: %v", form, err)
		}
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(strings.ToLower(e.Error()), "detail") {
			t.Errorf("error chain carries PostgreSQL's detail: %v", e)
		}
	}
}

// waitForLockWait waits until a session of the database waits for a lock.
func waitForLockWait(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var waiting int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no session waits for a lock")
}

func itoa(u uint64) string { return strconv.FormatUint(u, 10) }
func hex(u uint64) string  { return strconv.FormatUint(u, 16) }

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}
