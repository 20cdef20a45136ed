package badgerstore

import (
	"encoding/binary"
	"log/slog"

	"github.com/dgraph-io/badger/v4"
)

// This file keeps what the index knows of persons beyond their records:
// the domains they were registered through, and their objections.

// A domain's persons are kept 64 to a value, as persons are (persons.go):
// domainGroupPrefix + domain tag + person / personGroupSize → a bit per
// person. With a key per person, a batch of 1,000 records wrote 1,000
// Badger entries for its domain (each a skiplist insert and an encrypted
// log entry); its new persons, which have consecutive IDs, now take some
// 16. An Update changes working copies of the groups it touches
// (tx.domainGroups), written when it commits (flushDomainGroups). Stores
// from before kept a key per person (domainMemberPrefix): opening one
// folds them into groups (migrateDomainMembers).

// domainGroupKey names a group of a domain's persons.
type domainGroupKey struct{ domain, group uint64 }

func domainGroupOf(domain, person uint64) domainGroupKey {
	return domainGroupKey{domain, person / personGroupSize}
}

func (k domainGroupKey) bytes() []byte {
	return binary.BigEndian.AppendUint64(numKey(domainGroupPrefix, k.domain), k.group)
}

// AddToDomain sets the persons' bits in their groups: recording a person
// again changes nothing.
func (ix index) AddToDomain(domain uint64, persons []uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	for _, p := range persons {
		k := domainGroupOf(domain, p)
		g, err := ix.t.domainGroup(k)
		if err != nil {
			return err
		}
		if g.bits&personBit(p) == 0 {
			g.bits |= personBit(p)
			g.changed = true
			ix.t.domainGroups[k] = g
		}
	}
	return nil
}

func (ix index) InDomain(domain uint64, persons []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool, len(persons))
	read := map[domainGroupKey]personGroup{} // a View keeps no working copies
	for _, p := range persons {
		k := domainGroupOf(domain, p)
		g, ok := read[k]
		if !ok {
			var err error
			if g, err = ix.t.domainGroup(k); err != nil {
				return nil, err
			}
			read[k] = g
		}
		if g.bits&personBit(p) != 0 {
			out[p] = true
		}
	}
	return out, nil
}

// domainGroup returns a group of a domain's persons: in an Update its
// working copy, read on first use; in a View as stored.
func (t *tx) domainGroup(k domainGroupKey) (personGroup, error) {
	if g, ok := t.domainGroups[k]; ok {
		return g, nil
	}
	g, err := t.readGroup("read domain members", "domain member group", k.bytes())
	if err != nil || !t.update {
		return g, err
	}
	if t.domainGroups == nil {
		t.domainGroups = make(map[domainGroupKey]personGroup)
	}
	t.domainGroups[k] = g
	return g, nil
}

// flushDomainGroups writes the groups of domain members the transaction
// changed. Persons never leave a domain, so a group is never emptied.
func (t *tx) flushDomainGroups() error {
	for k, g := range t.domainGroups {
		if !g.changed {
			continue
		}
		if err := t.set("write domain members", k.bytes(), encodeGroup(g.bits)); err != nil {
			return err
		}
	}
	return nil
}

func (ix index) SetObjected(person uint64, objected bool) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	if objected {
		return ix.t.set("write objection", numKey(objectionPrefix, person), nil)
	}
	return ix.t.del("delete objection", numKey(objectionPrefix, person))
}

func (ix index) Objected(persons []uint64) (map[uint64]bool, error) {
	out := make(map[uint64]bool)
	key := make([]byte, 0, len(objectionPrefix)+8)
	for _, p := range persons {
		found, err := ix.t.has("read objection", appendNumKey(key[:0], objectionPrefix, p))
		if err != nil {
			return nil, err
		}
		if found {
			out[p] = true
		}
	}
	return out, nil
}

// migrateDomainMembers folds the per-person domain member keys of a store
// from before the groups into groups (legacyFold).
func migrateDomainMembers(db *badger.DB, log *slog.Logger) error {
	return foldDomainMembers(db, log, 1<<20)
}

// foldDomainMembers is migrateDomainMembers perRound keys at a time.
func foldDomainMembers(db *badger.DB, log *slog.Logger, perRound int) error {
	var groups map[domainGroupKey]uint64
	return legacyFold{
		what:   "domain members",
		prefix: domainMemberPrefix,
		reset:  func() { groups = map[domainGroupKey]uint64{} },
		take: func(t *tx, k, _ []byte) error {
			if len(k) != 16 {
				return corrupt("domain member key")
			}
			domain, person := binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(k[8:])
			g := domainGroupOf(domain, person)
			bits, ok := groups[g]
			if !ok { // a round before may have written the group
				stored, err := t.domainGroup(g)
				if err != nil {
					return err
				}
				bits = stored.bits
			}
			groups[g] = bits | personBit(person)
			return nil
		},
		write: func(wb *badger.WriteBatch) error {
			for g, bits := range groups {
				if err := wb.Set(g.bytes(), encodeGroup(bits)); err != nil {
					return err
				}
			}
			return nil
		},
	}.run(db, log, perRound)
}
