package badgerstore

import (
	"errors"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// TestReservedPersonsWritePersonGroups: a batch's new persons, reserved as
// registration reserves them, take one Badger key per group of
// personGroupSize, not one per person; removing the last person of a
// group deletes its key.
func TestReservedPersonsWritePersonGroups(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	var first uint64
	update(t, s, func(ix store.PersonIndex) error {
		var err error
		if first, err = ix.ReservePersonIDs(1000); err != nil {
			return err
		}
		persons := make([]uint64, 1000)
		for i := range persons {
			persons[i] = first + uint64(i)
		}
		return ix.AddPersons(persons...)
	})
	if first != 1 {
		t.Fatalf("first person ID of a new store %d; want 1", first)
	}
	// IDs 1 to 1000: groups 0 to 15.
	if n := countKeys(t, s, personGroupPrefix); n != 16 {
		t.Errorf("%d person groups for persons 1 to 1000; want 16", n)
	}
	if n := countKeys(t, s, personPrefix); n != 0 {
		t.Errorf("%d keys of single persons; want none", n)
	}
	update(t, s, func(ix store.PersonIndex) error {
		for p := uint64(1); p < personGroupSize; p++ { // group 0: persons 1 to 63
			if err := ix.RemovePerson(p); err != nil {
				return err
			}
		}
		return nil
	})
	if n := countKeys(t, s, personGroupPrefix); n != 15 {
		t.Errorf("%d person groups after group 0's persons were removed; want 15", n)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Index().AddPersons(64, 1001) })
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("AddPersons of a person in a group: %v; want ErrExists", err)
	}
	var st store.IndexStats
	if err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		st, err = tx.Index().Stats()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if st.Persons != 1000-63 {
		t.Errorf("Stats: %d persons; want %d", st.Persons, 1000-63)
	}
}

// TestGroupRange: the bits of a group's persons in a range, at the group's
// edges and inside it. It fails if a bound is off by one or the mask
// spills into a neighbour's IDs.
func TestGroupRange(t *testing.T) {
	for _, c := range []struct {
		g, first, end, want uint64
	}{
		{0, 0, 63, ^uint64(0)},
		{1, 0, 1000, ^uint64(0)},
		{1, 64, 64, 1},
		{1, 127, 127, 1 << 63},
		{1, 70, 72, 0b111 << 6},
		{1, 60, 66, 0b111},
		{1, 126, 200, 0b11 << 62},
		{2, 100, 130, 0b111},
	} {
		if got := groupRange(c.g, c.first, c.end); got != c.want {
			t.Errorf("groupRange(%d, %d, %d) = %#x, want %#x", c.g, c.first, c.end, got, c.want)
		}
	}
}
