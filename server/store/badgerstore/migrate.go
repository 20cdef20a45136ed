package badgerstore

import (
	"encoding/binary"
	"errors"
	"log/slog"

	"github.com/dgraph-io/badger/v4"
)

// Stores written before posting runs (runset.go) kept postings as Badger
// keys: a block's members as a head (headPrefix + block) with the newest
// and chunks (chunkPrefix + block + n) with older ones, chunk 0 the
// oldest, each a list of record IDs, newest first, as varint differences;
// a source's record as a source key; a person's records as member keys.
// Opening such a store moves them into a run (migrateKeys).

// posting is a decoded head: the newest members, newest first, and how
// many chunks hold older ones. Every member of the head is newer than
// every member of a chunk.
type posting struct {
	ids    []uint64
	chunks uint32
}

// readIDs decodes a list of IDs: their count, the first, then each one's
// difference from the one before; it returns the rest of b.
func readIDs(b []byte) ([]uint64, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, corrupt("block members")
	}
	b = b[k:]
	ids := make([]uint64, n)
	for i := range ids {
		v, k := binary.Uvarint(b)
		if k <= 0 || (i > 0 && (v == 0 || v >= ids[i-1])) {
			return nil, nil, corrupt("block members")
		}
		b = b[k:]
		if i == 0 {
			ids[i] = v
		} else {
			ids[i] = ids[i-1] - v
		}
	}
	return ids, b, nil
}

func decodePosting(b []byte) (*posting, error) {
	chunks, k := binary.Uvarint(b)
	if k <= 0 || chunks > 1<<32-1 {
		return nil, corrupt("block head")
	}
	ids, rest, err := readIDs(b[k:])
	if err != nil || len(rest) != 0 || len(ids) == 0 {
		return nil, corrupt("block head")
	}
	return &posting{ids: ids, chunks: uint32(chunks)}, nil
}

// migrateKeys moves postings that a version before runs kept as Badger
// keys into a run, then deletes those keys: block heads and chunks, source
// keys (source → record ID) and person member keys (person, record ID).
// A crash in between leaves both; the next open moves the keys again, and
// the duplicate pairs are left out of lookups and merges.
func (p *postingSet) migrateKeys() error {
	var pairs [][2]uint64
	var old [][]byte
	err := p.db.View(func(txn *badger.Txn) error {
		t := newTx(txn, false, nil)
		err := t.scan("read block members", headPrefix, nil, false, func(k, v []byte) error {
			if len(k) != 8 {
				return corrupt("block head key")
			}
			block := binary.BigEndian.Uint64(k)
			head, err := decodePosting(v)
			if err != nil {
				return err
			}
			ids := head.ids
			old = append(old, numKey(headPrefix, block))
			for n := head.chunks; n > 0; n-- {
				chunk, err := t.chunk(block, n-1)
				if err != nil {
					return err
				}
				ids = append(ids, chunk...)
				old = append(old, chunkKey(block, n-1))
			}
			for _, id := range ids {
				pairs = append(pairs, [2]uint64{block, id})
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = t.scan("read index source", sourcePrefix, nil, false, func(k, v []byte) error {
			if len(k) != 8 || len(v) != 8 {
				return corrupt("index source")
			}
			source := binary.BigEndian.Uint64(k)
			pairs = append(pairs, [2]uint64{sourcePosting(source), binary.BigEndian.Uint64(v)})
			old = append(old, numKey(sourcePrefix, source))
			return nil
		})
		if err != nil {
			return err
		}
		return t.scan("read person's records", memberPrefix, nil, true, func(k, _ []byte) error {
			if len(k) != 16 {
				return corrupt("person's record key")
			}
			person, id := binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(k[8:])
			pairs = append(pairs, [2]uint64{personPosting(person), id})
			old = append(old, memberKey(person, id))
			return nil
		})
	})
	if err != nil || len(old) == 0 {
		return err
	}
	p.log.Info("moving postings kept as keys into a posting run", "keys", len(old))
	if err := p.addRun(pairs, nil, false); err != nil {
		return err
	}
	return deleteKeys(p.db, "delete moved postings", old)
}

// chunk reads chunk n of block (a store before runs).
func (t *tx) chunk(block uint64, n uint32) ([]uint64, error) {
	var ids []uint64
	found, err := t.get("read block members", chunkKey(block, n), func(v []byte) error {
		var rest []byte
		var err error
		ids, rest, err = readIDs(v)
		if err == nil && len(rest) != 0 {
			err = corrupt("block members")
		}
		return err
	})
	if err == nil && !found {
		err = corrupt("block members (a chunk is missing)")
	}
	return ids, err
}

// legacyFold folds the keys under prefix that a store from before the
// groups kept, a key a record or person, into groups, perRound keys at a
// time: take is given each key (without the prefix) and value, in a View
// that reads what earlier rounds wrote; write puts the round's groups in a
// write batch; then the round's keys are deleted. Each round goes on from
// where the last stopped: from the prefix's start it would step over every
// key deleted before. A crash between writing and deleting leaves both,
// and the next open folds them again, which changes nothing.
type legacyFold struct {
	what   string // in the log and errors
	prefix string
	reset  func() // before a round
	take   func(t *tx, key, value []byte) error
	write  func(wb *badger.WriteBatch) error
}

func (f legacyFold) run(db *badger.DB, log *slog.Logger, perRound int) error {
	var from []byte
	for {
		f.reset()
		var old [][]byte
		err := db.View(func(txn *badger.Txn) error {
			t := newTx(txn, false, nil)
			err := t.scan("read "+f.what, f.prefix, from, false, func(k, v []byte) error {
				if err := f.take(t, k, v); err != nil {
					return err
				}
				old = append(old, append([]byte(f.prefix), k...))
				from = append(k[:len(k):len(k)], 0)
				if len(old) == perRound {
					return errStop
				}
				return nil
			})
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		})
		if err != nil || len(old) == 0 {
			return err
		}
		log.Info("folding "+f.what+" kept a key each into groups", "keys", len(old))
		if err := writeBatch(db, "write "+f.what, f.write); err != nil {
			return err
		}
		if err := deleteKeys(db, "delete folded "+f.what, old); err != nil {
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
