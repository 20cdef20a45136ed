package badgerstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// toPointerKeys rewrites the store's pointer groups as a store before them
// kept the pointers: one key per record (recordPrefix + ID).
func toPointerKeys(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.Update(func(txn *badger.Txn) error {
		var groups [][2][]byte
		err := newTx(txn, false, nil).scan("read groups", pointerGroupPrefix, nil, false, func(k, v []byte) error {
			groups = append(groups, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		})
		if err != nil {
			return err
		}
		for _, g := range groups {
			err := eachGroupPointer(g[0], g[1], func(id uint64, p []byte) error {
				return txn.Set(numKey(recordPrefix, id), bytes.Clone(p))
			})
			if err == nil {
				err = txn.Delete(append([]byte(pointerGroupPrefix), g[0]...))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecordsUnderOlderPointerKeys: a store whose pointers are one key per
// record, as before the groups, reads its records, changes a person and
// deletes a record, before and after a reopen that rebuilds the pointer
// file from both kinds of keys.
func TestRecordsUnderOlderPointerKeys(t *testing.T) {
	dir := t.TempDir()
	s := pointerFileStore(t, dir)
	toPointerKeys(t, s)
	s.slots.crashAtClose = true // the file is rebuilt from Badger's keys
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	persons, gets, slots := readPersons(t, s)
	if len(persons) != 60 || persons[5] != 5 || persons[60] != 60 {
		t.Fatalf("read %d of 60 records under the older keys (record 5 of person %d)", len(persons), persons[5])
	}
	if slots != gets {
		t.Errorf("the rebuilt pointer file answered %d of %d pointer reads; want all", slots, gets)
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.SetPerson(5, 500) })
	update(t, s, func(ix store.PersonIndex) error { return ix.DeleteRecords([]uint64{6}) })
	check := func(when string) {
		t.Helper()
		persons, _, _ := readPersons(t, s)
		if persons[5] != 500 || persons[6] != 0 || persons[7] != 7 || len(persons) != 59 {
			t.Fatalf("%s: record 5 of person %d (want 500), record 6 of %d (want deleted), record 7 of %d, %d records",
				when, persons[5], persons[6], persons[7], len(persons))
		}
	}
	check("after the changes")
	s.slots.crashAtClose = true
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	defer s.Close()
	check("after a reopen that rebuilt the pointer file")
	if found := countKeys(t, s, recordPrefix); found != 59 {
		t.Errorf("%d older pointer keys left; want 59 (the deleted record's key deleted with it)", found)
	}
}

// TestBatchWritesPointerGroups: the pointers of a batch of consecutive IDs
// take one Badger key per group of pointerGroupSize, not one per record.
func TestBatchWritesPointerGroups(t *testing.T) {
	s := pointerFileStore(t, t.TempDir()) // IDs 1 to 60: groups 0 and 1
	defer s.Close()
	var recs []store.IndexRecord
	for id := uint64(61); id <= 400; id++ {
		recs = append(recs, store.IndexRecord{ID: id, Source: 1<<41 + id, Person: id, Blocks: []uint64{8}})
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.Add(recs) })
	if n := countKeys(t, s, pointerGroupPrefix); n != 7 {
		t.Errorf("%d pointer groups for records 1 to 400; want 7", n)
	}
	if n := countKeys(t, s, recordPrefix); n != 0 {
		t.Errorf("%d keys of single records; want none", n)
	}
}

func countKeys(t *testing.T, s *Store, prefix string) int {
	t.Helper()
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		return newTx(txn, false, nil).scan("count keys", prefix, nil, true, func(_, _ []byte) error {
			n++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPointerGroupOfWrongLengthIsCorrupt: a group value that is not
// pointerGroupSize pointers is ErrCorrupt, read from Badger or when the
// pointer file is rebuilt from it, never a record at a wrong offset.
func TestPointerGroupOfWrongLengthIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	s := pointerFileStore(t, dir)
	err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(numKey(pointerGroupPrefix, 0), make([]byte, pointerGroupBytes-recordPointerLen))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.slots.broken.Store(true) // every pointer read from Badger
	err = s.View(context.Background(), func(tx store.Tx) error {
		_, err := tx.Index().Records([]uint64{5})
		return err
	})
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("record in a short group: %v, want ErrCorrupt", err)
	}
	s.slots.crashAtClose = true
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenConfig(dir, bytes32, slog.New(slog.DiscardHandler), DefaultConfig()); !errors.Is(err, store.ErrCorrupt) {
		if err == nil {
			s.Close()
		}
		t.Errorf("open rebuilding the pointer file from a short group: %v, want ErrCorrupt", err)
	}
}
