package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

var storeKey = bytes.Repeat([]byte{0x5a}, 32)

func openStore(t *testing.T, dir string) store.Store {
	t.Helper()
	st, err := badgerstore.Open(dir, storeKey, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return st
}

// clock returns a deterministic clock that advances one second per call.
func clock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func openLog(t *testing.T, st store.Store) *audit.Log {
	t.Helper()
	return audit.New(st, clock())
}

var ctx = context.Background()

func actor() audit.Actor { return audit.Actor{Principal: "op", Organisation: "TTP ops"} }

func appendN(t *testing.T, l *audit.Log, n int, tag string) {
	t.Helper()
	for i := range n {
		rec := actor().Record("Test")
		rec.Domain = tag
		rec.Records = int64(i)
		if err := l.Append(ctx, rec, nil); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

type stored struct {
	rec audit.Record
	raw []byte
}

func all(t *testing.T, st store.Store) []stored {
	t.Helper()
	var out []stored
	if err := audit.Each(ctx, st, func(rec audit.Record, raw []byte) error {
		out = append(out, stored{rec, bytes.Clone(raw)})
		return nil
	}); err != nil {
		t.Fatalf("Each: %v", err)
	}
	return out
}

func sha(raw []byte) string {
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}

// checkChain asserts what Verify is meant to check, independently of Verify.
func checkChain(t *testing.T, recs []stored) {
	t.Helper()
	prev := ""
	for i, s := range recs {
		if s.rec.Seq != uint64(i+1) {
			t.Errorf("record %d has seq %d", i, s.rec.Seq)
		}
		if s.rec.Prev != prev {
			t.Errorf("record %d: prev %q, want %q", s.rec.Seq, s.rec.Prev, prev)
		}
		prev = sha(s.raw)
	}
}

func TestAppendVerify(t *testing.T) {
	for _, n := range []int{0, 1, 2, 17} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := openStore(t, t.TempDir())
			defer db.Close()
			l := openLog(t, db)
			appendN(t, l, n, "d")
			got, err := audit.Verify(ctx, db)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != uint64(n) {
				t.Fatalf("Verify counted %d records, want %d", got, n)
			}
			recs := all(t, db)
			if len(recs) != n {
				t.Fatalf("Each gave %d records, want %d", len(recs), n)
			}
			checkChain(t, recs)
			for i, s := range recs {
				r := s.rec
				if r.Principal != "op" || r.Organisation != "TTP ops" || r.Action != "Test" || r.Outcome != "ok" || r.Domain != "d" || r.Records != int64(i) {
					t.Errorf("record %d stored as %+v", i, r)
				}
				if r.Time.IsZero() || r.Time.Location() != time.UTC {
					t.Errorf("record %d: time %v is not set in UTC", i, r.Time)
				}
				if i > 0 && !r.Time.After(recs[i-1].rec.Time) {
					t.Errorf("record %d: time %v not after %v", i, r.Time, recs[i-1].rec.Time)
				}
			}
		})
	}
}

func TestAppendKeepsGivenTimeAndIgnoresGivenSeq(t *testing.T) {
	db := openStore(t, t.TempDir())
	defer db.Close()
	l := openLog(t, db)
	when := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	rec := actor().Record("Test")
	rec.Time, rec.Seq, rec.Prev = when, 42, "forged"
	if err := l.Append(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
	recs := all(t, db)
	if len(recs) != 1 || !recs[0].rec.Time.Equal(when) || recs[0].rec.Seq != 1 || recs[0].rec.Prev != "" {
		t.Fatalf("stored %+v", recs[0].rec)
	}
}

func TestReopenContinuesChain(t *testing.T) {
	dir := t.TempDir()
	db := openStore(t, dir)
	appendN(t, openLog(t, db), 3, "first")
	before := all(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for round := range 2 {
		db = openStore(t, dir)
		l := openLog(t, db)
		appendN(t, l, 2, fmt.Sprintf("round%d", round))
		recs := all(t, db)
		want := 3 + 2*(round+1)
		if len(recs) != want {
			t.Fatalf("round %d: %d records, want %d", round, len(recs), want)
		}
		// The old records are untouched, the new ones follow them.
		for i := range before {
			if !bytes.Equal(recs[i].raw, before[i].raw) {
				t.Errorf("round %d: record %d changed on reopen", round, i+1)
			}
		}
		checkChain(t, recs)
		if n, err := audit.Verify(ctx, db); err != nil || n != uint64(want) {
			t.Fatalf("round %d: Verify = %d, %v; want %d, nil", round, n, err, want)
		}
		before = recs
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFailedEffectLeavesNothing(t *testing.T) {
	db := openStore(t, t.TempDir())
	defer db.Close()
	l := openLog(t, db)
	appendN(t, l, 2, "d")

	errEffect := errors.New("effect failed")
	const effectKey = "effect-keyring"
	keyringThere := func() error {
		return db.View(ctx, func(tx store.Tx) error { _, err := tx.Keyrings().Get(effectKey); return err })
	}
	cases := []struct {
		name   string
		effect func(tx store.Tx) error
	}{
		{"fails before writing", func(tx store.Tx) error { return errEffect }},
		{"fails after writing", func(tx store.Tx) error {
			if err := tx.Keyrings().Create(effectKey, []byte("x")); err != nil {
				return err
			}
			return errEffect
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := l.Append(ctx, actor().Record("Fail"), c.effect)
			if !errors.Is(err, errEffect) {
				t.Fatalf("Append = %v, want the effect's error", err)
			}
			if n, err := audit.Verify(ctx, db); err != nil || n != 2 {
				t.Fatalf("Verify = %d, %v; want 2, nil", n, err)
			}
			if err := keyringThere(); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("effect after a failed Append: %v", err)
			}
		})
	}

	// The next append takes the seq the failed ones did not use, and writes
	// its effect with it.
	if err := l.Append(ctx, actor().Record("Good"), func(tx store.Tx) error { return tx.Keyrings().Create(effectKey, []byte("y")) }); err != nil {
		t.Fatal(err)
	}
	recs := all(t, db)
	if len(recs) != 3 || recs[2].rec.Seq != 3 || recs[2].rec.Action != "Good" {
		t.Fatalf("after a good append: %d records, last %+v", len(recs), recs[len(recs)-1].rec)
	}
	checkChain(t, recs)
	if n, err := audit.Verify(ctx, db); err != nil || n != 3 {
		t.Fatalf("Verify = %d, %v; want 3, nil", n, err)
	}
	if err := keyringThere(); err != nil {
		t.Fatalf("effect of the good append: %v", err)
	}
}

// entries are the stored entries of recs, as a store would hand them out.
func entries(recs []stored) []store.AuditEntry {
	out := make([]store.AuditEntry, len(recs))
	for i, r := range recs {
		out[i] = store.AuditEntry{Seq: uint64(i + 1), Data: bytes.Clone(r.raw)}
	}
	return out
}

// check runs the Checker over entries as Verify does.
func check(es []store.AuditEntry) error {
	c := audit.NewChecker()
	for _, e := range es {
		if err := c.Check(e); err != nil {
			return err
		}
	}
	return nil
}

func TestTamperingBreaksChain(t *testing.T) {
	const n = 5
	cases := []struct {
		name   string
		tamper func(es []store.AuditEntry) []store.AuditEntry
	}{
		{"rewrite a field of a middle record", func(es []store.AuditEntry) []store.AuditEntry {
			es[2].Data = bytes.Replace(es[2].Data, []byte(`"principal":"op"`), []byte(`"principal":"xx"`), 1)
			return es
		}},
		{"rewrite a count of the first record", func(es []store.AuditEntry) []store.AuditEntry {
			es[0].Data = bytes.Replace(es[0].Data, []byte(`"action":"Test"`), []byte(`"action":"Test","records":99`), 1)
			return es
		}},
		{"reformat a record (same meaning, other bytes)", func(es []store.AuditEntry) []store.AuditEntry {
			es[1].Data = append(es[1].Data, ' ')
			return es
		}},
		{"make a record unreadable", func(es []store.AuditEntry) []store.AuditEntry {
			es[3].Data = []byte("not json")
			return es
		}},
		{"delete a middle record", func(es []store.AuditEntry) []store.AuditEntry {
			return append(es[:2:2], es[3:]...)
		}},
		{"delete the first record", func(es []store.AuditEntry) []store.AuditEntry {
			return es[1:]
		}},
		{"swap two records", func(es []store.AuditEntry) []store.AuditEntry {
			es[1].Data, es[3].Data = es[3].Data, es[1].Data
			return es
		}},
		{"insert a record between two", func(es []store.AuditEntry) []store.AuditEntry {
			forged := fmt.Sprintf(`{"seq":3,"time":"2025-01-01T00:00:00Z","principal":"op","action":"Forged","outcome":"ok","prev":%q}`, sha(es[1].Data))
			out := append(es[:2:2], store.AuditEntry{Seq: 3, Data: []byte(forged)})
			for _, e := range es[2:] {
				out = append(out, store.AuditEntry{Seq: e.Seq + 1, Data: e.Data})
			}
			return out
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openStore(t, t.TempDir())
			defer db.Close()
			appendN(t, openLog(t, db), n, "d")
			es := entries(all(t, db))
			if err := check(es); err != nil {
				t.Fatalf("check before tampering: %v", err)
			}
			if err := check(c.tamper(es)); !errors.Is(err, audit.ErrBroken) {
				t.Fatalf("check after tampering = %v, want an error wrapping ErrBroken", err)
			}
		})
	}
}

func TestConcurrentAppends(t *testing.T) {
	const goroutines, each = 8, 25
	db := openStore(t, t.TempDir())
	defer db.Close()
	l := openLog(t, db)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				rec := actor().Record("Concurrent")
				rec.Domain = fmt.Sprintf("g%d", g)
				rec.Records = int64(i)
				if err := l.Append(ctx, rec, nil); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	n, err := audit.Verify(ctx, db)
	if err != nil || n != goroutines*each {
		t.Fatalf("Verify = %d, %v; want %d, nil", n, err, goroutines*each)
	}
	recs := all(t, db)
	checkChain(t, recs)
	// Every goroutine's records are all there, in its own order.
	next := map[string]int64{}
	for _, s := range recs {
		if s.rec.Records != next[s.rec.Domain] {
			t.Errorf("goroutine %s: record %d where %d was expected", s.rec.Domain, s.rec.Records, next[s.rec.Domain])
		}
		next[s.rec.Domain]++
	}
	for g := range goroutines {
		if got := next[fmt.Sprintf("g%d", g)]; got != each {
			t.Errorf("goroutine %d: %d records, want %d", g, got, each)
		}
	}
}

// A period of the log is a run of consecutive records only if times never
// go back (ttp audit report relies on it): a clock set back, or a second
// server whose clock lags, must not stamp a record before its predecessor.
func TestTimesNeverGoBack(t *testing.T) {
	db := openStore(t, t.TempDir())
	defer db.Close()
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	stamps := []time.Time{start, start.Add(-time.Hour), start.Add(time.Minute), start.Add(-24 * time.Hour)}
	i := 0
	l := audit.New(db, func() time.Time { i++; return stamps[i-1] })
	for range stamps {
		if err := l.Append(ctx, actor().Record("Test"), nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Time{start, start, start.Add(time.Minute), start.Add(time.Minute)}
	for j, s := range all(t, db) {
		if !s.rec.Time.Equal(want[j]) {
			t.Errorf("record %d stamped %v, want %v", j+1, s.rec.Time, want[j])
		}
	}
}
