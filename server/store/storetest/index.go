package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

func testIndex(t *testing.T, f Factory) {
	t.Run("ReserveIDs", func(t *testing.T) { testReserveIDs(t, f) })
	t.Run("ReservePersonIDs", func(t *testing.T) { testReservePersonIDs(t, f) })
	t.Run("AddRead", func(t *testing.T) { testAddRead(t, f) })
	t.Run("AddRefusesDuplicates", func(t *testing.T) { testAddDuplicates(t, f) })
	t.Run("BlockMembers", func(t *testing.T) { testBlockMembers(t, f) })
	t.Run("ManyBlockMembers", func(t *testing.T) { testManyBlockMembers(t, f) })
	t.Run("Persons", func(t *testing.T) { testPersons(t, f) })
	t.Run("Stats", func(t *testing.T) { testStats(t, f) })
	t.Run("Lock", func(t *testing.T) {
		s := f.New(t)
		update(t, s, func(tx store.Tx) error {
			if err := tx.Index().Lock(); err != nil {
				return err
			}
			if err := tx.Index().Lock(); err != nil {
				return fmt.Errorf("second Lock in one transaction: %w", err)
			}
			return tx.Index().Add([]store.IndexRecord{record(1, 1, 1)})
		})
		if st := stats(t, s); st.Records != 1 {
			t.Errorf("records after a locked Add: %d, want 1", st.Records)
		}
	})
}

func testReserveIDs(t *testing.T, f Factory) {
	s := f.New(t)
	var next uint64 // the least ID the next reservation may return
	reserve := func(ix store.PersonIndex, n int) error {
		first, err := ix.ReserveIDs(n)
		if err != nil {
			return err
		}
		if first == 0 || first < next {
			t.Errorf("ReserveIDs(%d) = %d, want ≥ %d and never 0", n, first, max(next, 1))
		}
		next = first + uint64(n)
		return nil
	}
	for _, batch := range [][]int{{1}, {5, 2}, {1000}, {1, 1, 1}} {
		update(t, s, func(tx store.Tx) error {
			for _, n := range batch {
				if err := reserve(tx.Index(), n); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Reserved IDs are usable.
	var first uint64
	update(t, s, func(tx store.Tx) error {
		var err error
		if first, err = tx.Index().ReserveIDs(3); err != nil {
			return err
		}
		if first < next {
			t.Errorf("ReserveIDs(3) = %d, want ≥ %d", first, next)
		}
		return tx.Index().Add([]store.IndexRecord{record(first, 1, 1), record(first+1, 2, 1), record(first+2, 3, 1)})
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Index().Records([]uint64{first, first + 1, first + 2})
		if err != nil || len(got) != 3 {
			t.Errorf("records with reserved IDs: %d, %v; want 3", len(got), err)
		}
		return nil
	})
}

// sampleRecords are records of every shape: full, no features (nil and
// empty), no blocks, the most blocks, a large ID and source.
func sampleRecords() []store.IndexRecord {
	return []store.IndexRecord{
		record(1, 11, 100, 1000, 1001, 1002),
		{ID: 2, Source: 12, Person: 100, Features: nil, Blocks: []uint64{1000}},
		{ID: 3, Source: 13, Person: 101, Features: []byte{}, Blocks: []uint64{}},
		{ID: 4, Source: 14, Person: 102, Features: allBytes(), Blocks: []uint64{8, 7, 6, 5, 4, 3, 2, 1}},
		{ID: 1 << 62, Source: 1<<64 - 1, Person: 1<<64 - 2, Features: pattern(5, 2000), Blocks: []uint64{1<<64 - 1, 1000}},
	}
}

// stored is r as it reads back: empty slices as nil.
func stored(r store.IndexRecord) store.IndexRecord {
	if len(r.Features) == 0 {
		r.Features = nil
	}
	if len(r.Blocks) == 0 {
		r.Blocks = nil
	}
	return r
}

// testReservePersonIDs checks that person IDs are reserved in runs that
// follow each other and never take a recorded person's ID: persons that a
// store recorded before reserved IDs have random ones, which AddPersons
// recorded as the test does here.
func testReservePersonIDs(t *testing.T, f Factory) {
	s := f.New(t)
	var next uint64 // the least ID the next reservation may return
	reserve := func(ix store.PersonIndex, n int) (uint64, error) {
		first, err := ix.ReservePersonIDs(n)
		if err != nil {
			return 0, err
		}
		if first == 0 || first < next {
			t.Errorf("ReservePersonIDs(%d) = %d, want ≥ %d and never 0", n, first, max(next, 1))
		}
		next = first + uint64(n)
		return first, nil
	}
	for _, batch := range [][]int{{1}, {5, 2}, {1000}} {
		update(t, s, func(tx store.Tx) error {
			for _, n := range batch {
				if _, err := reserve(tx.Index(), n); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.Index().ReservePersonIDs(0); return err })
	if err == nil {
		t.Errorf("ReservePersonIDs(0) gave no error")
	}

	// Persons recorded ahead of the reservations, and one far off.
	ahead := []uint64{next + 3, next + 7, next + 70, next + 200, 1 << 62}
	update(t, s, func(tx store.Tx) error { return tx.Index().AddPersons(ahead...) })
	var firsts []uint64
	update(t, s, func(tx store.Tx) error {
		for _, n := range []int{10, 64, 1} {
			first, err := reserve(tx.Index(), n)
			if err != nil {
				return err
			}
			for _, p := range ahead {
				if p >= first && p < first+uint64(n) {
					t.Errorf("ReservePersonIDs(%d) = %d: the range has recorded person %d", n, first, p)
				}
			}
			firsts = append(firsts, first)
		}
		return nil
	})
	// The reserved IDs are free to record.
	update(t, s, func(tx store.Tx) error {
		var persons []uint64
		for i, n := range []uint64{10, 64, 1} {
			for p := firsts[i]; p < firsts[i]+n; p++ {
				persons = append(persons, p)
			}
		}
		return tx.Index().AddPersons(persons...)
	})
	if st := stats(t, s); st.Persons != int64(len(ahead))+75 {
		t.Errorf("Stats after recording the reserved persons: %+v, want %d persons", st, len(ahead)+75)
	}
}

func testAddRead(t *testing.T, f Factory) {
	s := f.New(t)
	recs := sampleRecords()
	in := make([]store.IndexRecord, len(recs))
	for i, r := range recs {
		in[i] = r
		in[i].Features = slices.Clone(r.Features)
		in[i].Blocks = slices.Clone(r.Blocks)
	}
	update(t, s, func(tx store.Tx) error {
		err := tx.Index().Add(in)
		// The caller's slices are its own again once Add returns.
		for i := range in {
			if len(in[i].Features) > 0 {
				in[i].Features[0] ^= 0xff
			}
			if len(in[i].Blocks) > 0 {
				in[i].Blocks[0] = 424242
			}
		}
		return err
	})
	var ids, sources []uint64
	for _, r := range recs {
		ids = append(ids, r.ID)
		sources = append(sources, r.Source)
	}
	view(t, s, func(tx store.Tx) error {
		ix := tx.Index()
		byID, err := ix.Records(append([]uint64{5, 999}, ids...))
		if err != nil {
			return err
		}
		bySource, err := ix.BySource(append([]uint64{15, 0}, sources...))
		if err != nil {
			return err
		}
		if len(byID) != len(recs) || len(bySource) != len(recs) {
			t.Errorf("Records gave %d, BySource %d; want %d each (absent ones left out)", len(byID), len(bySource), len(recs))
		}
		for _, r := range recs {
			equal(t, fmt.Sprintf("Records: record %d", r.ID), stored(r), byID[r.ID])
			equal(t, fmt.Sprintf("BySource: record %d", r.ID), stored(r), bySource[r.Source])
		}
		for _, m := range []map[uint64]store.IndexRecord{byID, bySource} {
			for _, r := range m {
				if len(r.Features) > 0 {
					r.Features[0] ^= 0xff
				}
			}
		}
		again, err := ix.Records(ids)
		if err != nil {
			return err
		}
		for _, r := range recs {
			equal(t, fmt.Sprintf("record %d after changing a returned copy", r.ID), stored(r), again[r.ID])
		}
		if got, err := ix.Records(nil); err != nil || len(got) != 0 {
			t.Errorf("Records(nil): %v, %v", got, err)
		}
		if got, err := ix.BySource(nil); err != nil || len(got) != 0 {
			t.Errorf("BySource(nil): %v, %v", got, err)
		}
		if got, err := ix.Records([]uint64{77}); err != nil || len(got) != 0 {
			t.Errorf("Records of an absent ID: %v, %v", got, err)
		}
		return nil
	})
}

func testAddDuplicates(t *testing.T, f Factory) {
	s := f.New(t)
	addRecords(t, s, record(1, 11, 100, 1000), record(2, 12, 100, 1001))
	cases := []struct {
		name string
		recs []store.IndexRecord
	}{
		{"StoredSource", []store.IndexRecord{record(3, 13, 100, 1002), record(4, 11, 100, 1003)}},
		{"StoredID", []store.IndexRecord{record(3, 13, 100, 1002), record(2, 14, 100, 1003)}},
		{"SourceTwiceInOneAdd", []store.IndexRecord{record(3, 13, 100, 1002), record(4, 13, 100, 1003)}},
		{"IDTwiceInOneAdd", []store.IndexRecord{record(3, 13, 100, 1002), record(3, 14, 100, 1003)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().Add(c.recs) })
			wantErr(t, "Add", err, store.ErrExists)
			view(t, s, func(tx store.Tx) error {
				ix := tx.Index()
				if st, err := ix.Stats(); err != nil || st.Records != 2 {
					t.Errorf("Stats after a refused Add: %+v, %v; want 2 records", st, err)
				}
				if got, err := ix.BySource([]uint64{13, 14}); err != nil || len(got) != 0 {
					t.Errorf("sources of a refused Add: %v, %v", got, err)
				}
				if got, err := ix.BlockMembers([]uint64{1002, 1003}, 10); err != nil || len(got) != 0 {
					t.Errorf("blocks of a refused Add: %v, %v", got, err)
				}
				got, err := ix.Records([]uint64{1, 2})
				if err != nil {
					return err
				}
				equal(t, "record 1", record(1, 11, 100, 1000), got[1])
				equal(t, "record 2", record(2, 12, 100, 1001), got[2])
				return nil
			})
		})
	}
}

// blockMembers reads one transaction's BlockMembers.
func blockMembers(t *testing.T, s store.Store, blocks []uint64, perBlock int) map[uint64][]uint64 {
	t.Helper()
	var got map[uint64][]uint64
	view(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.Index().BlockMembers(blocks, perBlock)
		return err
	})
	return got
}

func testBlockMembers(t *testing.T, f Factory) {
	s := f.New(t)
	// Added out of order: newest means the largest ID, whenever added.
	addRecords(t, s, record(10, 110, 1, 1, 2), record(30, 130, 1, 1))
	addRecords(t, s, record(20, 120, 1, 1, 3))
	addRecords(t, s, record(40, 140, 1, 1, 2), record(5, 105, 1, 3, 1))
	cases := []struct {
		name     string
		blocks   []uint64
		perBlock int
		want     map[uint64][]uint64
	}{
		{"All", []uint64{1, 2, 3}, 10, map[uint64][]uint64{1: {40, 30, 20, 10, 5}, 2: {40, 10}, 3: {20, 5}}},
		{"Exact", []uint64{1}, 5, map[uint64][]uint64{1: {40, 30, 20, 10, 5}}},
		{"Capped", []uint64{1, 2, 3}, 2, map[uint64][]uint64{1: {40, 30}, 2: {40, 10}, 3: {20, 5}}},
		{"One", []uint64{1, 3}, 1, map[uint64][]uint64{1: {40}, 3: {20}}},
		{"AbsentLeftOut", []uint64{4, 1, 0, 1<<64 - 1}, 3, map[uint64][]uint64{1: {40, 30, 20}}},
		{"OnlyAbsent", []uint64{4, 5}, 3, map[uint64][]uint64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := blockMembers(t, s, c.blocks, c.perBlock)
			if len(got) == 0 && len(c.want) == 0 {
				return
			}
			equal(t, fmt.Sprintf("BlockMembers(%v, %d)", c.blocks, c.perBlock), c.want, got)
		})
	}
}

// testManyBlockMembers fills blocks past any size a backend might keep in
// one place, in shuffled batches.
func testManyBlockMembers(t *testing.T, f Factory) {
	s := f.New(t)
	const n = 300
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	// Mostly ascending, as registration adds them, with some shuffled.
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		j := rng.IntN(n)
		ids[i*7%n], ids[j] = ids[j], ids[i*7%n]
	}
	for len(ids) > 0 {
		k := min(len(ids), 1+rng.IntN(40))
		var recs []store.IndexRecord
		for _, id := range ids[:k] {
			blocks := []uint64{7} // every record; every third also in block 8
			if id%3 == 0 {
				blocks = append(blocks, 8)
			}
			recs = append(recs, record(id, 1000+id, id%5, blocks...))
		}
		addRecords(t, s, recs...)
		ids = ids[k:]
	}
	newest := func(mod uint64, count int) []uint64 {
		var out []uint64
		for id := uint64(n); id >= 1 && len(out) < count; id-- {
			if id%mod == 0 {
				out = append(out, id)
			}
		}
		return out
	}
	for _, per := range []int{1, 63, 64, 65, 100, 128, 200, 299, 300, 1000} {
		got := blockMembers(t, s, []uint64{7, 8, 9}, per)
		equal(t, fmt.Sprintf("block 7, perBlock %d", per), newest(1, per), got[7])
		equal(t, fmt.Sprintf("block 8, perBlock %d", per), newest(3, per), got[8])
		if len(got) != 2 {
			t.Errorf("perBlock %d: %d blocks, want 2", per, len(got))
		}
	}
}

func testPersons(t *testing.T, f Factory) {
	s := f.New(t)
	addRecords(t, s, record(4, 14, 10, 1), record(2, 12, 20, 1))
	addRecords(t, s, record(1, 11, 10, 1), record(3, 13, 10, 2), record(5, 15, 20, 2))
	ofPerson := func(person uint64, limit int) []uint64 {
		t.Helper()
		var got []store.IndexRecord
		view(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.Index().OfPerson(person, limit)
			return err
		})
		var ids []uint64
		for _, r := range got {
			if r.Person != person {
				t.Errorf("OfPerson(%d) gave record %d of person %d", person, r.ID, r.Person)
			}
			want := record(r.ID, 10+r.ID, person, r.Blocks...)
			equal(t, fmt.Sprintf("OfPerson(%d): record %d", person, r.ID), want, r)
			ids = append(ids, r.ID)
		}
		return ids
	}
	equal(t, "OfPerson(10, 10)", []uint64{1, 3, 4}, ofPerson(10, 10))
	equal(t, "OfPerson(10, 2)", []uint64{1, 3}, ofPerson(10, 2))
	equal(t, "OfPerson(20, 10)", []uint64{2, 5}, ofPerson(20, 10))
	if got := ofPerson(30, 10); len(got) != 0 {
		t.Errorf("OfPerson of a person without records: %v", got)
	}

	update(t, s, func(tx store.Tx) error { return tx.Index().SetPerson(3, 20) })
	equal(t, "OfPerson(10) after SetPerson(3, 20)", []uint64{1, 4}, ofPerson(10, 10))
	equal(t, "OfPerson(20) after SetPerson(3, 20)", []uint64{2, 3, 5}, ofPerson(20, 10))
	equal(t, "OfPerson(20, 1) after SetPerson(3, 20)", []uint64{2}, ofPerson(20, 1))
	view(t, s, func(tx store.Tx) error {
		ix := tx.Index()
		want := record(3, 13, 20, 2)
		if got, err := ix.Records([]uint64{3}); err != nil {
			return err
		} else {
			equal(t, "Records after SetPerson", want, got[3])
		}
		if got, err := ix.BySource([]uint64{13}); err != nil {
			return err
		} else {
			equal(t, "BySource after SetPerson", want, got[13])
		}
		if got, err := ix.BlockMembers([]uint64{2}, 10); err != nil {
			return err
		} else {
			equal(t, "BlockMembers after SetPerson", []uint64{5, 3}, got[2])
		}
		return nil
	})

	// Moving a record to the person it has changes nothing.
	update(t, s, func(tx store.Tx) error { return tx.Index().SetPerson(3, 20) })
	equal(t, "OfPerson(20) after a SetPerson that moves nothing", []uint64{2, 3, 5}, ofPerson(20, 10))
	// Every record of a person can leave it.
	update(t, s, func(tx store.Tx) error {
		for _, id := range []uint64{1, 4} {
			if err := tx.Index().SetPerson(id, 30); err != nil {
				return err
			}
		}
		return nil
	})
	if got := ofPerson(10, 10); len(got) != 0 {
		t.Errorf("OfPerson of a person whose records moved: %v", got)
	}
	equal(t, "OfPerson(30)", []uint64{1, 4}, ofPerson(30, 10))

	err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().SetPerson(99, 20) })
	wantErr(t, "SetPerson of an absent record", err, store.ErrNotFound)
	if st := stats(t, s); st.Records != 5 {
		t.Errorf("records after SetPerson: %d, want 5", st.Records)
	}
}

func testStats(t *testing.T, f Factory) {
	s := f.New(t)
	if st := stats(t, s); st != (store.IndexStats{}) {
		t.Errorf("Stats of an empty index: %+v", st)
	}
	addRecords(t, s, record(1, 11, 1), record(2, 12, 1))
	update(t, s, func(tx store.Tx) error {
		for _, p := range []uint64{1, 2, 3} {
			if err := tx.Index().AddPersons(p); err != nil {
				return err
			}
		}
		return tx.Index().Add([]store.IndexRecord{record(3, 13, 2)})
	})
	if st := stats(t, s); st != (store.IndexStats{Records: 3, Persons: 3}) {
		t.Errorf("Stats: %+v, want 3 records, 3 persons", st)
	}
	update(t, s, func(tx store.Tx) error { return tx.Index().RemovePerson(2) })
	if st := stats(t, s); st != (store.IndexStats{Records: 3, Persons: 2}) {
		t.Errorf("Stats after RemovePerson: %+v, want 3 records, 2 persons", st)
	}
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().AddPersons(1) })
	wantErr(t, "AddPersons of a recorded person", err, store.ErrExists)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.Index().RemovePerson(2) })
	wantErr(t, "RemovePerson of a removed person", err, store.ErrNotFound)
	err = s.Update(ctx, func(tx store.Tx) error { return tx.Index().RemovePerson(9) })
	wantErr(t, "RemovePerson of an unknown person", err, store.ErrNotFound)
	update(t, s, func(tx store.Tx) error { return tx.Index().AddPersons(2) })
	if st := stats(t, s); st != (store.IndexStats{Records: 3, Persons: 3}) {
		t.Errorf("Stats after adding a removed person again: %+v, want 3 records, 3 persons", st)
	}
	// Several at once, as registration adds a batch's new persons.
	update(t, s, func(tx store.Tx) error { return tx.Index().AddPersons(4, 5, 6) })
	if st := stats(t, s); st.Persons != 6 {
		t.Errorf("Stats after adding three persons at once: %+v, want 6 persons", st)
	}
	err = s.Update(ctx, func(tx store.Tx) error { return tx.Index().AddPersons(7, 5) })
	wantErr(t, "AddPersons with a recorded person among new ones", err, store.ErrExists)
	if st := stats(t, s); st.Persons != 6 {
		t.Errorf("Stats after a refused AddPersons: %+v, want 6 persons (nothing added)", st)
	}
	update(t, s, func(tx store.Tx) error { return tx.Index().AddPersons() })
	if st := stats(t, s); st.Persons != 6 {
		t.Errorf("Stats after AddPersons of none: %+v, want 6 persons", st)
	}
}

func testDomainMembers(t *testing.T, f Factory) {
	s := f.New(t)
	const nkr, nhr = 1 << 63, 7 // a tag at or above 2^63, as keyed hashes are half the time
	update(t, s, func(tx store.Tx) error {
		if err := tx.Index().AddToDomain(nkr, []uint64{10, 11, 1 << 62}); err != nil {
			return err
		}
		// Again, with one more: no error, no double.
		if err := tx.Index().AddToDomain(nkr, []uint64{11, 12}); err != nil {
			return err
		}
		return tx.Index().AddToDomain(nhr, []uint64{11})
	})
	rolledBack(t, s, func(tx store.Tx) error { return tx.Index().AddToDomain(nhr, []uint64{99}) })
	view(t, s, func(tx store.Tx) error {
		err := tx.Index().AddToDomain(nkr, []uint64{1})
		wantErr(t, "AddToDomain in View", err, store.ErrReadOnly)
		got, err := tx.Index().InDomain(nkr, []uint64{10, 11, 12, 13, 1 << 62, 99})
		if err != nil {
			return err
		}
		equal(t, "nkr's members", map[uint64]bool{10: true, 11: true, 12: true, 1 << 62: true}, got)
		got, err = tx.Index().InDomain(nhr, []uint64{10, 11, 99})
		if err != nil {
			return err
		}
		equal(t, "nhr's members (99 rolled back)", map[uint64]bool{11: true}, got)
		got, err = tx.Index().InDomain(nhr, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("InDomain of none: %v, %v", got, err)
		}
		return nil
	})
}

func testDeleteRecords(t *testing.T, f Factory) {
	s := f.New(t)
	// 200 records share block 5, so that its older members sit in chunks on
	// backends that keep posting lists; each also has a block of its own.
	var recs []store.IndexRecord
	for id := uint64(1); id <= 200; id++ {
		recs = append(recs, record(id, 1000+id, id%7, 5, 100+id))
	}
	addRecords(t, s, recs...)
	update(t, s, func(tx store.Tx) error {
		return tx.Index().PutReview(store.ReviewItem{Record: 3, Candidate: 4, ScoreMilli: 1})
	})
	before := stats(t, s)
	gone := []uint64{3, 150, 200} // old, in the middle, the newest
	rolledBack(t, s, func(tx store.Tx) error { return tx.Index().DeleteRecords(gone) })
	update(t, s, func(tx store.Tx) error {
		err := tx.Index().DeleteRecords([]uint64{9999})
		wantErr(t, "DeleteRecords of an absent record", err, store.ErrNotFound)
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.Index().DeleteRecords(gone) })
	if got := stats(t, s); got.Records != before.Records-int64(len(gone)) {
		t.Errorf("records after deleting %d: %d, was %d", len(gone), got.Records, before.Records)
	}
	view(t, s, func(tx store.Tx) error {
		px := tx.Index()
		found, err := px.Records([]uint64{2, 3, 150, 200})
		if err != nil {
			return err
		}
		if len(found) != 1 || found[2].ID != 2 {
			t.Errorf("Records after delete: %v", found)
		}
		bySource, err := px.BySource([]uint64{1003, 1150, 1200, 1002})
		if err != nil {
			return err
		}
		if len(bySource) != 1 {
			t.Errorf("BySource after delete: %v", bySource)
		}
		members, err := px.BlockMembers([]uint64{5, 103, 104}, 1000)
		if err != nil {
			return err
		}
		var want []uint64
		for id := uint64(199); id >= 1; id-- {
			if id != 3 && id != 150 {
				want = append(want, id)
			}
		}
		equal(t, "block 5's members after delete", want, members[5])
		if _, ok := members[103]; ok {
			t.Errorf("block 103 of a deleted record still has members: %v", members[103])
		}
		equal(t, "block 104's members", []uint64{4}, members[104])
		of, err := px.OfPerson(3, 1000)
		if err != nil {
			return err
		}
		for _, r := range of {
			if r.ID == 3 {
				t.Errorf("OfPerson(3) still lists record 3")
			}
		}
		_, err = px.Review(3)
		wantErr(t, "Review of a deleted record", err, store.ErrNotFound)
		return nil
	})
	// The source is free again: a record under it is a new one.
	addRecords(t, s, record(201, 1003, 3, 5))
}

func testObjections(t *testing.T, f Factory) {
	s := f.New(t)
	update(t, s, func(tx store.Tx) error {
		for _, p := range []uint64{5, 1 << 63, 6} {
			if err := tx.Index().SetObjected(p, true); err != nil {
				return err
			}
		}
		if err := tx.Index().SetObjected(5, true); err != nil { // again: no error
			return err
		}
		return tx.Index().SetObjected(6, false) // withdrawn
	})
	rolledBack(t, s, func(tx store.Tx) error { return tx.Index().SetObjected(7, true) })
	view(t, s, func(tx store.Tx) error {
		wantErr(t, "SetObjected in View", tx.Index().SetObjected(8, true), store.ErrReadOnly)
		got, err := tx.Index().Objected([]uint64{5, 6, 7, 1 << 63, 9})
		if err != nil {
			return err
		}
		equal(t, "objected", map[uint64]bool{5: true, 1 << 63: true}, got)
		return nil
	})
}

func testReidSources(t *testing.T, f Factory) {
	s := f.New(t)
	addRecords(t, s, record(1, 101, 1, 5), record(2, 102, 2, 5))
	update(t, s, func(tx store.Tx) error {
		if err := tx.Index().PutReidSources(map[uint64][]byte{1: []byte("one"), 2: allBytes()}); err != nil {
			return err
		}
		return tx.Index().PutReidSources(map[uint64][]byte{1: []byte("one, again")}) // replaces
	})
	view(t, s, func(tx store.Tx) error {
		wantErr(t, "PutReidSources in View", tx.Index().PutReidSources(map[uint64][]byte{3: nil}), store.ErrReadOnly)
		got, err := tx.Index().ReidSources([]uint64{1, 2, 3})
		if err != nil {
			return err
		}
		if len(got) != 2 {
			t.Errorf("ReidSources: %d found, want 2", len(got))
		}
		equalBytes(t, "record 1's sealed source", []byte("one, again"), got[1])
		equalBytes(t, "record 2's sealed source", allBytes(), got[2])
		return nil
	})
	// A deleted record's sealed source goes with it.
	update(t, s, func(tx store.Tx) error { return tx.Index().DeleteRecords([]uint64{2}) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Index().ReidSources([]uint64{1, 2})
		if err != nil {
			return err
		}
		if _, ok := got[2]; ok || len(got) != 1 {
			t.Errorf("after deleting record 2: %v", got)
		}
		return nil
	})
}

func testHistory(t *testing.T, f Factory) {
	s := f.New(t)
	first := record(1, 1<<63+5, 9, 3, 4)
	second := record(2, 1<<63+5, 10, 4)
	update(t, s, func(tx store.Tx) error {
		for i, r := range []store.IndexRecord{first, second} {
			v, err := tx.Index().AddHistory(r, when(i))
			if err != nil {
				return err
			}
			equal(t, "version", i+1, v)
		}
		_, err := tx.Index().AddHistory(record(3, 77, 1), when(5))
		return err
	})
	rolledBack(t, s, func(tx store.Tx) error {
		_, err := tx.Index().AddHistory(record(4, 1<<63+5, 1), when(6))
		return err
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Index().AddHistory(first, when(7))
		wantErr(t, "AddHistory in View", err, store.ErrReadOnly)
		h, err := tx.Index().History(1<<63 + 5)
		if err != nil {
			return err
		}
		if len(h) != 2 {
			t.Fatalf("history of %d versions, want 2: %+v", len(h), h)
		}
		for i, want := range []store.IndexRecord{first, second} {
			got := h[i]
			if got.Version != i+1 || !sameTime(when(i), got.Withdrawn) || got.Record.ID != want.ID || got.Record.Person != want.Person {
				t.Errorf("version %d: %+v", i+1, got)
			}
			equalBytes(t, "features kept", want.Features, got.Record.Features)
			equal(t, "blocks kept", want.Blocks, got.Record.Blocks)
		}
		none, err := tx.Index().History(12345)
		if err != nil || len(none) != 0 {
			t.Errorf("history of an unknown source: %v %v", none, err)
		}
		return nil
	})
}
