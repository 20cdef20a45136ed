package badgerstore

import (
	"encoding/binary"
	"math/bits"

	"github.com/ttpnl/ttp/server/store"
)

// A person is recorded as one bit in a group of personGroupSize
// consecutive person IDs, one Badger value per group (personGroupPrefix +
// ID / personGroupSize → the group's bits, 8 bytes big-endian, bit ID %
// personGroupSize). Registration founds a batch's new persons under
// consecutive IDs (ReservePersonIDs), so a batch of 1,000 records writes
// some 16 Badger entries for its persons, not 600: with encryption on,
// every entry costs a log write under a fresh AES cipher, and every key is
// carried down the LSM by compactions (pointergroups.go says the same of
// record pointers). An Update changes a working copy of each group it
// touches (tx.persons), written when it commits (flushPersons).
//
// Stores from before reserved person IDs recorded each (random) person
// under personPrefix + ID. Those keys stay: a person whose group lacks it
// is looked for there (through the key filter, keyfilter.go, which makes
// looking for an absent one cost no Badger read), and removing it deletes
// the key.
const personGroupSize = 64

// personGroup is a working copy of a group of persons.
type personGroup struct {
	bits    uint64
	changed bool
}

func (ix index) ReservePersonIDs(n int) (uint64, error) {
	c, err := ix.reservation("ReservePersonIDs", n)
	if err != nil {
		return 0, err
	}
	first := max(c.nextPerson, 1)
	// A reserved ID is no one's: the persons of a store from before
	// reserved IDs have random ones, and AddPersons takes any ID. Skip
	// past the last recorded one in the range until a range is free.
	for {
		last, found, err := ix.lastPersonIn(first, uint64(n))
		if err != nil {
			return 0, err
		}
		if !found {
			break
		}
		first = last + 1
	}
	c.nextPerson = first + uint64(n)
	ix.t.changed()
	return first, nil
}

// lastPersonIn returns the largest recorded person of the n IDs from
// first on.
func (ix index) lastPersonIn(first, n uint64) (last uint64, found bool, err error) {
	end := first + n - 1
	if ix.t.filter.mayHoldKeys() {
		// A store from before the groups: a person may have a key of its
		// own, so each ID is looked for.
		for id := end; id >= first; id-- {
			if found, err := ix.hasPerson(id); err != nil || found {
				return id, found, err
			}
		}
		return 0, false, nil
	}
	for g := end / personGroupSize; ; g-- {
		group, err := ix.t.personGroup(g)
		if err != nil {
			return 0, false, err
		}
		if in := group.bits & groupRange(g, first, end); in != 0 {
			return g*personGroupSize + uint64(63-bits.LeadingZeros64(in)), true, nil
		}
		if g == first/personGroupSize {
			return 0, false, nil
		}
	}
}

// groupRange has the bits of group g's persons from first to end.
func groupRange(g, first, end uint64) uint64 {
	base := g * personGroupSize
	lo, hi := max(first, base)-base, min(end, base+personGroupSize-1)-base
	return (^uint64(0) >> (63 - hi)) & (^uint64(0) << lo)
}

func (ix index) AddPersons(persons ...uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	for _, p := range persons {
		found, err := ix.hasPerson(p)
		if err != nil || found {
			return orExists(err)
		}
		g := ix.t.persons[p/personGroupSize] // read by hasPerson
		g.bits |= personBit(p)
		g.changed = true
		ix.t.persons[p/personGroupSize] = g
	}
	c, err := ix.t.counters()
	if err != nil {
		return err
	}
	c.persons += int64(len(persons))
	ix.t.changed()
	return nil
}

func (ix index) RemovePerson(person uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	g, err := ix.t.personGroup(person / personGroupSize)
	if err != nil {
		return err
	}
	switch {
	case g.bits&personBit(person) != 0:
		g.bits &^= personBit(person)
		g.changed = true
		ix.t.persons[person/personGroupSize] = g
	default:
		key := numKey(personPrefix, person)
		found, err := ix.t.has("read person", key)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		if err := ix.t.del("delete person", key); err != nil {
			return err
		}
	}
	c, err := ix.t.counters()
	if err != nil {
		return err
	}
	c.persons--
	ix.t.changed()
	return nil
}

// hasPerson reports whether person is recorded: in its group, or under a
// key of its own as stores from before the groups recorded persons.
func (ix index) hasPerson(person uint64) (bool, error) {
	g, err := ix.t.personGroup(person / personGroupSize)
	switch {
	case err != nil:
		return false, err
	case g.bits&personBit(person) != 0:
		return true, nil
	}
	return ix.t.has("read person", numKey(personPrefix, person))
}

// personBit is person's bit in its group's value.
func personBit(person uint64) uint64 { return 1 << (person % personGroupSize) }

// personGroup returns the working copy of a group of persons, reading it
// on first use. Only Updates read persons, so no lock is needed.
func (t *tx) personGroup(group uint64) (personGroup, error) {
	if g, ok := t.persons[group]; ok {
		return g, nil
	}
	g, err := t.readGroup("read persons", "person group", numKey(personGroupPrefix, group))
	if err != nil {
		return g, err
	}
	if t.persons == nil {
		t.persons = make(map[uint64]personGroup)
	}
	t.persons[group] = g
	return g, nil
}

// readGroup reads the group of persons stored under key (none if absent);
// what names it in an error.
func (t *tx) readGroup(op, what string, key []byte) (personGroup, error) {
	var g personGroup
	_, err := t.get(op, key, func(v []byte) error {
		if len(v) != 8 || binary.BigEndian.Uint64(v) == 0 {
			return corrupt(what)
		}
		g.bits = binary.BigEndian.Uint64(v)
		return nil
	})
	return g, err
}

// encodeGroup is a group's value: its bits.
func encodeGroup(bits uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), bits) }

// flushPersons writes the groups of persons the transaction changed; a
// group left with no person is deleted.
func (t *tx) flushPersons() error {
	for group, g := range t.persons {
		if !g.changed {
			continue
		}
		var v []byte
		if g.bits != 0 {
			v = encodeGroup(g.bits)
		}
		if err := t.setOrDelete("persons", numKey(personGroupPrefix, group), v); err != nil {
			return err
		}
	}
	return nil
}

// setOrDelete writes key's value, or deletes key when value is nil; what
// names the value in an error.
func (t *tx) setOrDelete(what string, key, value []byte) error {
	if value == nil {
		return t.del("delete "+what, key)
	}
	return t.set("write "+what, key, value)
}
