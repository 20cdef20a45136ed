package badgerstore

import (
	"cmp"
	"encoding/binary"
	"math"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// Stores written before posting runs (runset.go) kept a block's members as
// Badger keys: a head (headPrefix + block) with the newest, and chunks
// (chunkPrefix + block + n) with older ones, chunk 0 the oldest, each a
// list of record IDs, newest first, as varint differences. Opening such a
// store moves them into a run (migrateKeys); this file reads them.

// posting is a decoded head: the newest members, newest first, and how
// many chunks hold older ones. Every member of the head is newer than
// every member of a chunk.
type posting struct {
	ids    []uint64
	chunks uint32
}

// appendIDs encodes ids, which must be strictly decreasing: their count,
// the first, then each one's difference from the one before.
func appendIDs(b []byte, ids []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for i, id := range ids {
		if i == 0 {
			b = binary.AppendUvarint(b, id)
		} else {
			b = binary.AppendUvarint(b, ids[i-1]-id)
		}
	}
	return b
}

// readIDs decodes what appendIDs wrote and returns the rest of b.
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

func (p *posting) encode() []byte {
	b := binary.AppendUvarint(make([]byte, 0, 4+3*len(p.ids)), uint64(p.chunks))
	return appendIDs(b, p.ids)
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
	if err := p.addRun(pairs, nil); err != nil {
		return err
	}
	wb := p.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range old {
		if err := wb.Delete(k); err != nil {
			return fail("delete moved postings", err)
		}
	}
	return fail("delete moved postings", wb.Flush())
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

// Besides its blocks, a record has two more postings, under keys of
// their own kinds: its source's (BySource: the newest live record of a
// source is its record) and its person's (OfPerson). A posting key is a
// bijective mix of the source or person, salted per kind, so two sources
// or two persons never share one; one that equals a blocking key by
// chance (one in 2^64) only adds a candidate that the record read after
// it rules out (the record's source or person is checked).
func sourcePosting(source uint64) uint64 { return mix64(source ^ 0xa0761d6478bd642f) }
func personPosting(person uint64) uint64 { return mix64(person ^ 0xe7037ed1a0b428db) }

// addPostings adds records' blocks, source and person to the
// transaction's new postings (ascending per block), which commit as one
// batch log (flushPostings).
func (t *tx) addPostings(records []store.IndexRecord) {
	for i := range records {
		r := &records[i]
		for _, b := range r.Blocks {
			t.addPosting(b, r.ID)
		}
		t.addPosting(sourcePosting(r.Source), r.ID)
		t.addPosting(personPosting(r.Person), r.ID)
	}
}

// addPosting adds one posting to the transaction's new ones.
func (t *tx) addPosting(block, id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.added == nil {
		t.added = map[uint64][]uint64{}
	}
	t.added[block] = insertID(t.added[block], id)
}

// members returns up to perBlock of block's newest members, newest first,
// in a new slice: this transaction's, the Update's before (pending.go) and
// the committed ones. A View
// leaves out what was committed after its snapshot. Safe for concurrent
// use while nothing writes.
func (t *tx) members(block uint64, perBlock int, maxID uint64) ([]uint64, error) {
	if perBlock <= 0 {
		return nil, nil
	}
	pending := []*pendingCommit{{added: t.added, deleted: t.deleted}}
	if t.base != nil {
		pending = append(pending, t.base)
	}
	var deleted []uint64
	for _, pc := range pending {
		deleted = append(deleted, pc.deleted...)
	}
	var out []uint64
	for _, pc := range pending {
		own, n := pc.added[block], 0
		for i := len(own) - 1; i >= 0 && n < perBlock; i-- {
			if !slices.Contains(deleted, own[i]) {
				out = append(out, own[i])
				n++
			}
		}
	}
	out, err := t.postings.members(block, perBlock, maxID, deleted, out)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b uint64) int { return cmp.Compare(b, a) })
	out = slices.Compact(out)
	return out[:min(perBlock, len(out))], nil
}

// flushPostings writes the transaction's new postings as one batch log.
func (t *tx) flushPostings() error {
	if len(t.added) == 0 {
		return nil
	}
	var key []byte
	t.logSeq, key = t.postings.logKey()
	return t.set("write block members", key, encodePairs(t.added))
}

// maxVisibleID is the largest record ID a lookup of postings may give: a
// View sees what was committed before its snapshot, so no record above the
// snapshot's largest ID (the postings are not in Badger's snapshot). Not
// safe for concurrent use: call it before fanning out.
func (t *tx) maxVisibleID() (uint64, error) {
	if t.update {
		return math.MaxUint64, nil
	}
	c, err := t.counters()
	if err != nil {
		return 0, err
	}
	return c.topID, nil
}

// BlockMembers looks the blocks up, fanned out over goroutines.
func (ix index) BlockMembers(blocks []uint64, perBlock int) (map[uint64][]uint64, error) {
	maxID, err := ix.t.maxVisibleID()
	if err != nil {
		return nil, err
	}
	found := make([][]uint64, len(blocks))
	err = fanOut(len(blocks), func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			var err error
			if found[i], err = ix.t.members(blocks[i], perBlock, maxID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]uint64, len(blocks))
	for i, ids := range found {
		if len(ids) > 0 {
			out[blocks[i]] = ids
		}
	}
	return out, nil
}
