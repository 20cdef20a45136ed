package badgerstore

import (
	"encoding/binary"
	"errors"
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
		if err := t.set("write domain members", k.bytes(), binary.BigEndian.AppendUint64(make([]byte, 0, 8), g.bits)); err != nil {
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
// from before the groups into groups, and then deletes them, some million
// at a time, each round scanning on from where the last stopped (from the
// start, it would step over all the deleted keys again). A crash in between leaves both, and the next open folds them
// again: setting a bit twice changes nothing.
func migrateDomainMembers(db *badger.DB, log *slog.Logger) error {
	return foldDomainMembers(db, log, 1<<20)
}

// foldDomainMembers is migrateDomainMembers perRound keys at a time.
func foldDomainMembers(db *badger.DB, log *slog.Logger, perRound int) error {
	var from []byte // each round goes on past the keys the last deleted
	for {
		groups := map[domainGroupKey]uint64{}
		var old [][]byte
		err := db.View(func(txn *badger.Txn) error {
			t := newTx(txn, false, nil)
			err := t.scan("read domain members", domainMemberPrefix, from, true, func(k, _ []byte) error {
				if len(k) != 16 {
					return corrupt("domain member key")
				}
				domain, person := binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(k[8:])
				groups[domainGroupOf(domain, person)] |= personBit(person)
				old = append(old, append([]byte(domainMemberPrefix), k...))
				from = append(k[:len(k):len(k)], 0)
				if len(old) == perRound {
					return errStop
				}
				return nil
			})
			if err != nil && !errors.Is(err, errStop) {
				return err
			}
			for k := range groups {
				g, err := t.domainGroup(k)
				if err != nil {
					return err
				}
				groups[k] |= g.bits
			}
			return nil
		})
		if err != nil || len(old) == 0 {
			return err
		}
		log.Info("folding domain members kept a key per person into groups", "keys", len(old))
		if err := writeBatch(db, "write domain members", func(wb *badger.WriteBatch) error {
			for k, bits := range groups {
				if err := wb.Set(k.bytes(), binary.BigEndian.AppendUint64(make([]byte, 0, 8), bits)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := deleteKeys(db, "delete folded domain members", old); err != nil {
			return err
		}
	}
}

// deleteKeys deletes keys in a Badger write batch, durably.
func deleteKeys(db *badger.DB, op string, keys [][]byte) error {
	return writeBatch(db, op, func(wb *badger.WriteBatch) error {
		for _, k := range keys {
			if err := wb.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeBatch writes what fill puts in a Badger write batch, durably.
func writeBatch(db *badger.DB, op string, fill func(*badger.WriteBatch) error) error {
	wb := db.NewWriteBatch()
	defer wb.Cancel()
	if err := fill(wb); err != nil {
		return fail(op, err)
	}
	return fail(op, wb.Flush())
}
