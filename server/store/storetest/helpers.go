package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

var ctx = context.Background()

// errRollback is what a test's fn returns to make Update roll back.
var errRollback = errors.New("storetest: roll back")

// update runs fn in a transaction that must commit.
func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a read-only transaction that must succeed.
func view(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(ctx, fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// rolledBack runs fn, which must succeed, in a transaction that then rolls
// back.
func rolledBack(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return fmt.Errorf("write before the rollback: %w", err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update whose fn failed returned %v, want fn's error", err)
	}
}

// wantErr checks that err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// sameTime reports whether got is want as stored: in UTC and equal to at
// least the microsecond.
func sameTime(want, got time.Time) bool {
	d := got.Sub(want)
	return got.Location() == time.UTC && d > -time.Microsecond && d < time.Microsecond
}

// when is a time with nanoseconds, in a zone other than UTC, to check that
// times come back in UTC and precise to the microsecond.
func when(minute int) time.Time {
	return time.Date(2026, 3, 1, 12, minute, 56, 123456789, time.FixedZone("CET", 3600))
}

// allBytes is every byte value, for byte-exact round trips.
func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(255 - i)
	}
	return b
}

// pattern makes n bytes that depend on seed, so that stored values differ.
func pattern(seed uint64, n int) []byte {
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// equal reports a difference between want and got.
func equal(t *testing.T, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// equalBytes reports a difference between two byte slices, also telling
// nil from empty.
func equalBytes(t *testing.T, what string, want, got []byte) {
	t.Helper()
	if !bytes.Equal(want, got) || (want == nil) != (got == nil) {
		t.Errorf("%s: got %d bytes (nil %v), want %d bytes (nil %v), equal %v",
			what, len(got), got == nil, len(want), want == nil, bytes.Equal(want, got))
	}
}

// record makes an index record with 200 bytes of features.
func record(id, source, person uint64, blocks ...uint64) store.IndexRecord {
	return store.IndexRecord{ID: id, Source: source, Person: person, Features: pattern(id, 200), Blocks: blocks}
}

// addRecords stores records in one committed transaction.
func addRecords(t *testing.T, s store.Store, recs ...store.IndexRecord) {
	t.Helper()
	update(t, s, func(tx store.Tx) error { return tx.Index().Add(recs) })
}

// stats reads the index counts.
func stats(t *testing.T, s store.Store) store.IndexStats {
	t.Helper()
	var st store.IndexStats
	view(t, s, func(tx store.Tx) error {
		var err error
		st, err = tx.Index().Stats()
		return err
	})
	return st
}
