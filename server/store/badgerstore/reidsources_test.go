package badgerstore

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// TestReidSourcesWriteGroups: the sealed sources of a batch's 1,000 new
// records (consecutive IDs) take one key per group of reidGroupSize and
// none of a single record; replacing one keeps the rest of its group;
// deleting every record of a group deletes its key.
func TestReidSourcesWriteGroups(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	ids := make([]uint64, 1000)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	addTestRecords(t, s, ids)
	sealed := map[uint64][]byte{}
	for _, id := range ids {
		sealed[id] = fmt.Appendf(nil, "sealed source of %d", id)
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.PutReidSources(sealed) })
	if n := countKeys(t, s, reidGroupPrefix); n != 16 {
		t.Errorf("%d groups of sealed sources for records 1 to 1000; want 16", n)
	}
	if n := countKeys(t, s, reidPrefix); n != 0 {
		t.Errorf("%d keys of single sealed sources; want none", n)
	}
	update(t, s, func(ix store.PersonIndex) error {
		return ix.PutReidSources(map[uint64][]byte{70: []byte("sealed again")})
	})
	sealed[70] = []byte("sealed again")
	update(t, s, func(ix store.PersonIndex) error { return ix.DeleteRecords(ids[:63]) }) // group 0: records 1 to 63
	for _, id := range ids[:63] {
		delete(sealed, id)
	}
	if n := countKeys(t, s, reidGroupPrefix); n != 15 {
		t.Errorf("%d groups after group 0's records were deleted; want 15", n)
	}
	err := s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.Index().ReidSources(append(slices.Clone(ids), 1001))
		if err != nil {
			return err
		}
		if !maps.EqualFunc(got, sealed, slices.Equal) {
			t.Errorf("ReidSources: %d sources, want %d; record 70: %q", len(got), len(sealed), got[70])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReidSourcesOfAnOlderStore: a store from before the groups kept a
// key a record; opening it folds them into groups and deletes them, and
// every source reads as it was. A store left with both (a crash between
// writing the groups and deleting the keys) opens the same way.
func TestReidSourcesOfAnOlderStore(t *testing.T) {
	dir := t.TempDir()
	s := openSmallBuffer(t, dir)
	update(t, s, func(ix store.PersonIndex) error {
		return ix.PutReidSources(map[uint64][]byte{3: []byte("grouped")})
	})
	older := map[uint64][]byte{7: []byte("seven"), 70: []byte("seventy"), 1 << 40: []byte("far")}
	legacy := func(db *badger.DB) {
		t.Helper()
		err := db.Update(func(txn *badger.Txn) error {
			for id, b := range older {
				if err := txn.Set(numKey(reidPrefix, id), b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	legacy(s.db)
	s.Close()
	want := maps.Clone(older)
	want[3] = []byte("grouped")
	for round := range 2 {
		s = openSmallBuffer(t, dir)
		if n := countKeys(t, s, reidPrefix); n != 0 {
			t.Errorf("round %d: %d keys of single sealed sources left after open; want none", round, n)
		}
		err := s.View(t.Context(), func(tx store.Tx) error {
			got, err := tx.Index().ReidSources([]uint64{3, 7, 8, 70, 1 << 40})
			if err == nil && !maps.EqualFunc(got, want, slices.Equal) {
				t.Errorf("round %d: ReidSources = %v; want %v", round, got, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		legacy(s.db) // as a crash after the groups were written would leave it
		s.Close()
	}
}

// TestReidSourcesFoldInRounds: folding a round at a time (two keys a
// round here) gives what one round does, and leaves no key.
func TestReidSourcesFoldInRounds(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	want := map[uint64][]byte{1: []byte("a"), 2: []byte("b"), 3: []byte("c"), 64: []byte("d"), 65: []byte("e"), 1 << 40: []byte("f")}
	err := s.db.Update(func(txn *badger.Txn) error {
		for id, b := range want {
			if err := txn.Set(numKey(reidPrefix, id), b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := foldReidSources(s.db, s.log, 2); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, s, reidPrefix); n != 0 {
		t.Errorf("%d keys of single sealed sources left; want none", n)
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		got, err := tx.Index().ReidSources([]uint64{1, 2, 3, 4, 64, 65, 1 << 40})
		if err == nil && !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("ReidSources after folding in rounds = %v; want %v", got, want)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addTestRecords adds records of the IDs given, which a new store reserves
// first, each a person and a block of its own.
func addTestRecords(t *testing.T, s *Store, ids []uint64) {
	t.Helper()
	var recs []store.IndexRecord
	for _, id := range ids {
		recs = append(recs, store.IndexRecord{ID: id, Source: 1<<42 + id, Person: id, Blocks: []uint64{id}})
	}
	update(t, s, func(ix store.PersonIndex) error {
		if _, err := ix.ReserveIDs(len(ids)); err != nil {
			return err
		}
		return ix.Add(recs)
	})
}
