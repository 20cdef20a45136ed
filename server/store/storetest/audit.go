package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// auditData is the stored record of entry seq: JSON-like text for most,
// every byte value for one.
func auditData(seq uint64) []byte {
	if seq == 3 {
		return allBytes()
	}
	return fmt.Appendf(nil, `{"seq":%d,"op":"register","n":%d}`, seq, seq*7)
}

// appendAudit appends entries from..to in one transaction, each after
// reading Last.
func appendAudit(t *testing.T, s store.Store, from, to uint64) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for seq := from; seq <= to; seq++ {
			last, err := tx.Audit().Last()
			if err != nil {
				return err
			}
			if last.Seq != seq-1 {
				t.Errorf("Last before appending %d: Seq %d", seq, last.Seq)
			}
			if err := tx.Audit().Append(store.AuditEntry{Seq: seq, Data: auditData(seq)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// scanAudit collects the entries Scan(from) gives.
func scanAudit(t *testing.T, s store.Store, from uint64) []store.AuditEntry {
	t.Helper()
	var got []store.AuditEntry
	view(t, s, func(tx store.Tx) error {
		return tx.Audit().Scan(from, func(e store.AuditEntry) error {
			got = append(got, e)
			return nil
		})
	})
	return got
}

// checkAuditRange checks that entries are from..to with their data.
func checkAuditRange(t *testing.T, what string, entries []store.AuditEntry, from, to uint64) {
	t.Helper()
	n := 0
	if to >= from {
		n = int(to - from + 1)
	}
	if len(entries) != n {
		t.Errorf("%s: %d entries, want %d (%d..%d)", what, len(entries), n, from, to)
		return
	}
	for i, e := range entries {
		if e.Seq != from+uint64(i) {
			t.Errorf("%s: entry %d has Seq %d, want %d", what, i, e.Seq, from+uint64(i))
		}
		equalBytes(t, fmt.Sprintf("%s: entry %d data", what, e.Seq), auditData(e.Seq), e.Data)
	}
}

func testAudit(t *testing.T, f Factory) {
	t.Run("AppendLast", func(t *testing.T) {
		s := f.New(t)
		view(t, s, func(tx store.Tx) error {
			last, err := tx.Audit().Last()
			if err != nil || last.Seq != 0 {
				t.Errorf("Last of an empty log: %+v, %v; want Seq 0", last, err)
			}
			return nil
		})
		appendAudit(t, s, 1, 1)
		appendAudit(t, s, 2, 5) // several in one transaction
		view(t, s, func(tx store.Tx) error {
			last, err := tx.Audit().Last()
			if err != nil {
				return err
			}
			if last.Seq != 5 {
				t.Errorf("Last: Seq %d, want 5", last.Seq)
			}
			equalBytes(t, "Last data", auditData(5), last.Data)
			return nil
		})
		checkAuditRange(t, "Scan(1)", scanAudit(t, s, 1), 1, 5)
	})

	t.Run("AppendRefusesWrongSeq", func(t *testing.T) {
		s := f.New(t)
		appendAudit(t, s, 1, 3)
		for _, seq := range []uint64{0, 1, 3, 5, 1 << 63} {
			err := s.Update(ctx, func(tx store.Tx) error {
				return tx.Audit().Append(store.AuditEntry{Seq: seq, Data: []byte("wrong")})
			})
			if err == nil {
				t.Errorf("Append with Seq %d after 3 succeeded", seq)
			}
		}
		// Also in a transaction that appended already, and one that never
		// asked Last.
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Audit().Append(store.AuditEntry{Seq: 4, Data: auditData(4)}); err != nil {
				return fmt.Errorf("Append 4 without Last: %w", err)
			}
			if err := tx.Audit().Append(store.AuditEntry{Seq: 4, Data: []byte("again")}); err == nil {
				return errors.New("a second Append with Seq 4 succeeded")
			}
			return nil
		})
		if err != nil {
			t.Errorf("%v", err)
		}
		checkAuditRange(t, "log after refused appends", scanAudit(t, s, 1), 1, 4)
	})

	t.Run("Scan", func(t *testing.T) {
		s := f.New(t)
		if got := scanAudit(t, s, 1); len(got) != 0 {
			t.Errorf("Scan of an empty log: %d entries", len(got))
		}
		appendAudit(t, s, 1, 4)
		appendAudit(t, s, 5, 9)
		cases := []struct {
			from, first, last uint64
		}{{0, 1, 9}, {1, 1, 9}, {2, 2, 9}, {5, 5, 9}, {6, 6, 9}, {9, 9, 9}, {10, 10, 9}, {1 << 40, 1, 0}}
		for _, c := range cases {
			checkAuditRange(t, fmt.Sprintf("Scan(%d)", c.from), scanAudit(t, s, c.from), c.first, c.last)
		}
		stop := errors.New("stop")
		calls := 0
		view(t, s, func(tx store.Tx) error {
			err := tx.Audit().Scan(3, func(e store.AuditEntry) error {
				calls++
				if e.Seq == 4 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) {
				t.Errorf("Scan whose fn failed returned %v, want fn's error", err)
			}
			return nil
		})
		if calls != 2 {
			t.Errorf("Scan called fn %d times after it failed on the second, want 2", calls)
		}
	})

	t.Run("Hashes", func(t *testing.T) { testAuditHashes(t, f) })

	t.Run("DataIsTheCallers", func(t *testing.T) {
		s := f.New(t)
		data := auditData(1)
		update(t, s, func(tx store.Tx) error {
			err := tx.Audit().Append(store.AuditEntry{Seq: 1, Data: data})
			data[0] = 'X'
			return err
		})
		got := scanAudit(t, s, 1)
		if len(got) != 1 {
			t.Fatalf("%d entries, want 1", len(got))
		}
		equalBytes(t, "entry changed by its caller after Append", auditData(1), got[0].Data)
		got[0].Data[0] = 'Y'
		equalBytes(t, "entry after changing a scanned copy", auditData(1), scanAudit(t, s, 1)[0].Data)
	})
}

// auditHash is a distinct hash for index i, with every byte used.
func auditHash(i uint64) store.AuditHash {
	var h store.AuditHash
	copy(h[:], pattern(i+1, len(h)))
	return h
}

func auditHashes(first, n uint64) []store.AuditHash {
	hs := make([]store.AuditHash, n)
	for i := range hs {
		hs[i] = auditHash(first + uint64(i))
	}
	return hs
}

// readHashes reads the hashes at indexes in a View.
func readHashes(t *testing.T, s store.Store, indexes ...uint64) ([]store.AuditHash, error) {
	t.Helper()
	var got []store.AuditHash
	err := s.View(ctx, func(tx store.Tx) error {
		var err error
		got, err = tx.Audit().Hashes(indexes)
		return err
	})
	return got, err
}

func testAuditHashes(t *testing.T, f Factory) {
	s := f.New(t)
	if _, err := readHashes(t, s, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Hashes of an empty tree: %v, want ErrNotFound", err)
	}
	update(t, s, func(tx store.Tx) error { return tx.Audit().AppendHashes(0, auditHashes(0, 3)) })
	update(t, s, func(tx store.Tx) error {
		// Two appends in one transaction, the second reading the first.
		if err := tx.Audit().AppendHashes(3, auditHashes(3, 1)); err != nil {
			return err
		}
		if got, err := tx.Audit().Hashes([]uint64{3}); err != nil || got[0] != auditHash(3) {
			t.Errorf("Hashes in the transaction that appended: %x, %v", got, err)
		}
		return tx.Audit().AppendHashes(4, auditHashes(4, 2))
	})
	update(t, s, func(tx store.Tx) error { return tx.Audit().AppendHashes(6, nil) })

	got, err := readHashes(t, s, 5, 0, 3, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Hashes in the order asked", []store.AuditHash{auditHash(5), auditHash(0), auditHash(3), auditHash(3), auditHash(1)}, got)
	if got, err := readHashes(t, s); err != nil || len(got) != 0 {
		t.Errorf("Hashes of no indexes: %v, %v", got, err)
	}
	if _, err := readHashes(t, s, 2, 6); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Hashes with one index absent: %v, want ErrNotFound", err)
	}

	// A stored index is never replaced, also as part of a longer append;
	// the refusal leaves the transaction usable.
	err = s.Update(ctx, func(tx store.Tx) error {
		for _, first := range []uint64{0, 5, 4} {
			if err := tx.Audit().AppendHashes(first, auditHashes(100, 2)); !errors.Is(err, store.ErrExists) {
				return fmt.Errorf("AppendHashes(%d) over stored hashes: %v, want ErrExists", first, err)
			}
		}
		return tx.Audit().AppendHashes(6, auditHashes(6, 1))
	})
	if err != nil {
		t.Error(err)
	}
	got, err = readHashes(t, s, 0, 1, 2, 3, 4, 5, 6)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "hashes after refused appends", auditHashes(0, 7), got)

	// Writes in a View fail; a rolled-back append leaves nothing.
	err = s.View(ctx, func(tx store.Tx) error { return tx.Audit().AppendHashes(7, auditHashes(7, 1)) })
	wantErr(t, "AppendHashes in a View", err, store.ErrReadOnly)
	rolledBack(t, s, func(tx store.Tx) error { return tx.Audit().AppendHashes(7, auditHashes(7, 1)) })
	if _, err := readHashes(t, s, 7); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("hash of a rolled-back append: %v, want ErrNotFound", err)
	}

	// They survive a restart.
	s = f.Reopen(t, s)
	got, err = readHashes(t, s, 6, 0)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "hashes after a restart", []store.AuditHash{auditHash(6), auditHash(0)}, got)
}
