package badgerstore

import (
	"encoding/binary"
	"maps"
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// TestDomainMembersWriteGroups: a batch's 1,000 new persons (consecutive
// IDs, as registration reserves them) take one key per group of
// personGroupSize in their domain, and none of a single person; a person
// far off takes a group of its own; membership is per domain.
func TestDomainMembersWriteGroups(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	const nkr, nhr = 0x6e6b72, 0x6e6872
	persons := make([]uint64, 1000)
	for i := range persons {
		persons[i] = uint64(i + 1)
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.AddToDomain(nkr, append(persons, 1<<62)) })
	if n := countKeys(t, s, domainGroupPrefix); n != 17 {
		t.Errorf("%d domain member groups for persons 1 to 1000 and 2^62; want 17", n)
	}
	update(t, s, func(ix store.PersonIndex) error { return ix.AddToDomain(nhr, []uint64{5, 1000}) })
	err := s.View(t.Context(), func(tx store.Tx) error {
		in, err := tx.Index().InDomain(nkr, []uint64{1, 64, 1000, 1001, 1 << 62, 0})
		if err != nil {
			return err
		}
		if got := slices.Sorted(maps.Keys(in)); !slices.Equal(got, []uint64{1, 64, 1000, 1 << 62}) {
			t.Errorf("InDomain(nkr) = %v; want [1 64 1000 2^62]", got)
		}
		in, err = tx.Index().InDomain(nhr, persons)
		if got := slices.Sorted(maps.Keys(in)); err != nil || !slices.Equal(got, []uint64{5, 1000}) {
			t.Errorf("InDomain(nhr) = %v, %v; want [5 1000]", got, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDomainMembersOfAnOlderStore: a store from before the groups kept a
// key per domain member; opening it folds them into groups and deletes
// them, and a member stays a member. A store left with both (a crash
// between writing the groups and deleting the keys) opens the same way.
func TestDomainMembersOfAnOlderStore(t *testing.T) {
	dir := t.TempDir()
	s := openSmallBuffer(t, dir)
	const nkr = 0x6e6b72
	update(t, s, func(ix store.PersonIndex) error { return ix.AddToDomain(nkr, []uint64{3}) })
	older := []uint64{7, 8, 70, 1 << 40}
	legacy := func(db *badger.DB, persons []uint64) {
		t.Helper()
		err := db.Update(func(txn *badger.Txn) error {
			for _, p := range persons {
				k := binary.BigEndian.AppendUint64(numKey(domainMemberPrefix, nkr), p)
				if err := txn.Set(k, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	legacy(s.db, older)
	s.Close()
	for round := range 2 {
		s = openSmallBuffer(t, dir)
		if n := countKeys(t, s, domainMemberPrefix); n != 0 {
			t.Errorf("round %d: %d keys of single domain members left after open; want none", round, n)
		}
		if n := countKeys(t, s, domainGroupPrefix); n != 3 {
			t.Errorf("round %d: %d domain member groups; want 3 (persons 3 to 8, 70, 2^40)", round, n)
		}
		err := s.View(t.Context(), func(tx store.Tx) error {
			in, err := tx.Index().InDomain(nkr, []uint64{3, 7, 8, 9, 70, 1 << 40})
			if got := slices.Sorted(maps.Keys(in)); err != nil || !slices.Equal(got, []uint64{3, 7, 8, 70, 1 << 40}) {
				t.Errorf("round %d: InDomain = %v, %v; want [3 7 8 70 2^40]", round, got, err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// As a crash after the groups were written would leave it: the
		// keys again, beside their groups.
		legacy(s.db, older[:2])
		s.Close()
	}
}

// TestDomainMembersFoldInRounds: folding a round at a time (two keys a
// round here) gives the groups one round does, and leaves no key.
func TestDomainMembersFoldInRounds(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	const nkr = 0x6e6b72
	persons := []uint64{1, 2, 3, 64, 65, 200, 1 << 40}
	err := s.db.Update(func(txn *badger.Txn) error {
		for _, p := range persons {
			if err := txn.Set(binary.BigEndian.AppendUint64(numKey(domainMemberPrefix, nkr), p), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := foldDomainMembers(s.db, s.log, 2); err != nil {
		t.Fatal(err)
	}
	if n := countKeys(t, s, domainMemberPrefix); n != 0 {
		t.Errorf("%d keys of single domain members left; want none", n)
	}
	err = s.View(t.Context(), func(tx store.Tx) error {
		in, err := tx.Index().InDomain(nkr, append([]uint64{4, 66}, persons...))
		if got := slices.Sorted(maps.Keys(in)); err != nil || !slices.Equal(got, persons) {
			t.Errorf("InDomain after folding in rounds = %v, %v; want %v", got, err, persons)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
