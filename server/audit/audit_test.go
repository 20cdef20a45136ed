package audit_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/store"
)

var storeKey = bytes.Repeat([]byte{0x5a}, 32)

func openStore(t *testing.T, dir string) *badger.DB {
	t.Helper()
	db, err := store.Open(dir, storeKey, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return db
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

func openLog(t *testing.T, db *badger.DB) *audit.Log {
	t.Helper()
	l, err := audit.Open(db, clock())
	if err != nil {
		t.Fatalf("audit.Open: %v", err)
	}
	return l
}

func actor() audit.Actor { return audit.Actor{Principal: "op", Organisation: "TTP ops"} }

func appendN(t *testing.T, l *audit.Log, n int, tag string) {
	t.Helper()
	for i := range n {
		rec := actor().Record("Test")
		rec.Domain = tag
		rec.Records = int64(i)
		if err := l.Append(rec, nil); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

type stored struct {
	rec audit.Record
	raw []byte
}

func all(t *testing.T, db *badger.DB) []stored {
	t.Helper()
	var out []stored
	if err := audit.Each(db, func(rec audit.Record, raw []byte, _ string) error {
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
			got, err := audit.Verify(db)
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
	if err := l.Append(rec, nil); err != nil {
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
		if n, err := audit.Verify(db); err != nil || n != uint64(want) {
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
	effectKey := []byte("thing/1")
	cases := []struct {
		name   string
		effect func(txn *badger.Txn) error
	}{
		{"fails before writing", func(txn *badger.Txn) error { return errEffect }},
		{"fails after writing", func(txn *badger.Txn) error {
			if err := txn.Set(effectKey, []byte("x")); err != nil {
				return err
			}
			return errEffect
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := l.Append(actor().Record("Fail"), c.effect)
			if !errors.Is(err, errEffect) {
				t.Fatalf("Append = %v, want the effect's error", err)
			}
			if n, err := audit.Verify(db); err != nil || n != 2 {
				t.Fatalf("Verify = %d, %v; want 2, nil", n, err)
			}
			err = db.View(func(txn *badger.Txn) error {
				_, err := txn.Get(effectKey)
				return err
			})
			if !errors.Is(err, badger.ErrKeyNotFound) {
				t.Fatalf("effect key after a failed Append: %v", err)
			}
		})
	}

	// The next append takes the seq the failed ones did not use, and writes
	// its effect with it.
	if err := l.Append(actor().Record("Good"), func(txn *badger.Txn) error { return txn.Set(effectKey, []byte("y")) }); err != nil {
		t.Fatal(err)
	}
	recs := all(t, db)
	if len(recs) != 3 || recs[2].rec.Seq != 3 || recs[2].rec.Action != "Good" {
		t.Fatalf("after a good append: %d records, last %+v", len(recs), recs[len(recs)-1].rec)
	}
	checkChain(t, recs)
	if n, err := audit.Verify(db); err != nil || n != 3 {
		t.Fatalf("Verify = %d, %v; want 3, nil", n, err)
	}
	if err := db.View(func(txn *badger.Txn) error { _, err := txn.Get(effectKey); return err }); err != nil {
		t.Fatalf("effect of the good append: %v", err)
	}
}

func auditKey(seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte("audit/"), seq) }

func TestTamperingBreaksChain(t *testing.T) {
	const n = 5
	cases := []struct {
		name   string
		tamper func(txn *badger.Txn, recs []stored) error
	}{
		{"rewrite a field of a middle record", func(txn *badger.Txn, recs []stored) error {
			raw := bytes.Replace(recs[2].raw, []byte(`"principal":"op"`), []byte(`"principal":"xx"`), 1)
			if bytes.Equal(raw, recs[2].raw) {
				return errors.New("test bug: nothing replaced")
			}
			return txn.Set(auditKey(3), raw)
		}},
		{"rewrite a count of the first record", func(txn *badger.Txn, recs []stored) error {
			raw := bytes.Replace(recs[0].raw, []byte(`"action":"Test"`), []byte(`"action":"Test","records":99`), 1)
			return txn.Set(auditKey(1), raw)
		}},
		{"reformat a record (same meaning, other bytes)", func(txn *badger.Txn, recs []stored) error {
			return txn.Set(auditKey(2), append(bytes.Clone(recs[1].raw), ' '))
		}},
		{"make a record unreadable", func(txn *badger.Txn, recs []stored) error {
			return txn.Set(auditKey(4), []byte("not json"))
		}},
		{"delete a middle record", func(txn *badger.Txn, recs []stored) error {
			return txn.Delete(auditKey(3))
		}},
		{"delete the first record", func(txn *badger.Txn, recs []stored) error {
			return txn.Delete(auditKey(1))
		}},
		{"swap two records", func(txn *badger.Txn, recs []stored) error {
			if err := txn.Set(auditKey(2), recs[3].raw); err != nil {
				return err
			}
			return txn.Set(auditKey(4), recs[1].raw)
		}},
		{"insert a record between two", func(txn *badger.Txn, recs []stored) error {
			// Renumber 3..5 to 4..6 and put a forged record at 3 that names 2.
			for i := n; i >= 3; i-- {
				if err := txn.Set(auditKey(uint64(i+1)), recs[i-1].raw); err != nil {
					return err
				}
			}
			forged := fmt.Sprintf(`{"seq":3,"time":"2025-01-01T00:00:00Z","principal":"op","action":"Forged","outcome":"ok","prev":%q}`, sha(recs[1].raw))
			return txn.Set(auditKey(3), []byte(forged))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openStore(t, t.TempDir())
			defer db.Close()
			appendN(t, openLog(t, db), n, "d")
			if _, err := audit.Verify(db); err != nil {
				t.Fatalf("Verify before tampering: %v", err)
			}
			recs := all(t, db)
			if err := db.Update(func(txn *badger.Txn) error { return c.tamper(txn, recs) }); err != nil {
				t.Fatal(err)
			}
			_, err := audit.Verify(db)
			if !errors.Is(err, audit.ErrBroken) {
				t.Fatalf("Verify after tampering = %v, want an error wrapping ErrBroken", err)
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
				if err := l.Append(rec, nil); err != nil {
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
	n, err := audit.Verify(db)
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
