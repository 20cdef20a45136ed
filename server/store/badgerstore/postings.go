package badgerstore

import (
	"cmp"
	"math"
	"slices"

	"github.com/ttpnl/ttp/server/store"
)

// A transaction's side of the postings (runset.go): what it adds, and
// lookups that see its own postings, the Update's before (pending.go) and
// the committed ones.

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
	// One lock for the batch: taking it per posting, ten times a record,
	// was a third of this (0.36 of 1.1 s over 1M records at 1.12M).
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.added == nil {
		// Sized for the records (about seven blocks each, and a source
		// and a person): growing the map was a tenth of a batch's
		// registration on its one goroutine.
		t.added = make(map[uint64][]uint64, len(records)*10)
	}
	for i := range records {
		r := &records[i]
		for _, b := range r.Blocks {
			t.addPostingLocked(b, r.ID)
		}
		t.addPostingLocked(sourcePosting(r.Source), r.ID)
		t.addPostingLocked(personPosting(r.Person), r.ID)
	}
}

// addPosting adds one posting to the transaction's new ones.
func (t *tx) addPosting(block, id uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addPostingLocked(block, id)
}

// addPostingLocked is addPosting under t.mu.
func (t *tx) addPostingLocked(block, id uint64) {
	if t.added == nil {
		t.added = map[uint64][]uint64{}
	}
	if t.addedBloom == nil {
		t.addedBloom = newBloomPart(pendingBloomKeys)
	}
	t.added[block] = insertID(t.added[block], id)
	t.addedBloom.addUnshared(block, blockHash(block))
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
	// This transaction's postings and the pending Update's (a nil base
	// has none): a lookup allocates nothing for them when they have none.
	deleted := t.deleted
	var baseAdded map[uint64][]uint64
	if t.base != nil {
		deleted = append(slices.Clip(deleted), t.base.deleted...)
		if t.base.mayHave(block) {
			baseAdded = t.base.added
		}
	}
	var out []uint64
	for _, own := range [2][]uint64{t.added[block], baseAdded[block]} {
		n := 0
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
	// In block order, so that the lookups walk each run's Bloom filter
	// (placed by block: runfile.go) and pages from first to last.
	order := keyOrder(blocks)
	err = fanOut(len(blocks), func(lo, hi int) error {
		for _, i := range order[lo:hi] {
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
	// Sized for the blocks that have members, fewer than half of them
	// (sized for all, the map was 3% of a registration's allocation).
	n := 0
	for _, ids := range found {
		if len(ids) > 0 {
			n++
		}
	}
	out := make(map[uint64][]uint64, n)
	for i, ids := range found {
		if len(ids) > 0 {
			out[blocks[i]] = ids
		}
	}
	return out, nil
}
