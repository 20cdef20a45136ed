package badgerstore

import (
	"math"

	"github.com/ttpnl/ttp/server/store"
)

// Add checks the whole batch before it writes anything, so that a refused
// Add leaves the transaction as it was. Per record it writes the record to
// the record log and a pointer to it under the record's key;
// its postings (blocks, source, person) go into the batch log written when
// the transaction commits (runset.go).
func (ix index) Add(records []store.IndexRecord) error {
	t := ix.t
	if err := t.writable(); err != nil {
		return err
	}
	if len(records) == 0 {
		return nil
	}
	c, err := t.counters()
	if err != nil {
		return err
	}
	if err := t.checkNew(records, c.topID); err != nil {
		return err
	}

	pointers, err := t.records.appendRecords(records)
	if err != nil {
		return err
	}
	for i := range records {
		id := records[i].ID
		if err := t.setRecordPointer("write index record", id, pointers[i]); err != nil {
			return err
		}
		c.topID = max(c.topID, id)
	}
	c.records += int64(len(records))
	t.changed()
	t.addPostings(records)
	return nil
}

// checkNew refuses a batch with a source or ID stored already or twice in
// it. IDs above topID cannot be stored: only the others are looked up.
func (t *tx) checkNew(records []store.IndexRecord, topID uint64) error {
	ids := make(map[uint64]struct{}, len(records))
	sources := make(map[uint64]struct{}, len(records))
	var old []uint64     // IDs that may be stored
	var unknown []uint64 // sources this transaction has not seen absent
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range records {
		r := &records[i]
		if err := checkRecord(r); err != nil {
			return err
		}
		if _, dup := ids[r.ID]; dup {
			return store.ErrExists
		}
		if _, dup := sources[r.Source]; dup {
			return store.ErrExists
		}
		ids[r.ID] = struct{}{}
		sources[r.Source] = struct{}{}
		if r.ID <= topID {
			old = append(old, r.ID)
		}
		if _, ok := t.absent[r.Source]; ok {
			delete(t.absent, r.Source) // stored from now on
		} else {
			unknown = append(unknown, r.Source)
		}
	}
	return fanOut(len(unknown)+len(old), func(lo, hi int) error {
		key := make([]byte, 0, len(recordPrefix)+8)
		for i := lo; i < hi; i++ {
			var found bool
			var err error
			if i < len(unknown) {
				_, found, err = t.bySource(unknown[i], math.MaxUint64, key)
			} else {
				_, _, found, err = t.locate(old[i-len(unknown)], key)
			}
			if err != nil {
				return err
			}
			if found {
				return store.ErrExists
			}
		}
		return nil
	})
}

// DeleteRecords deletes each record's keys and takes it out of its blocks'
// posting lists.
func (ix index) DeleteRecords(ids []uint64) error {
	t := ix.t
	if err := t.writable(); err != nil {
		return err
	}
	c, err := t.counters()
	if err != nil {
		return err
	}
	for _, id := range ids {
		_, ok, err := t.record(id, nil)
		if err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
		// The record's postings (blocks, source, person) stay in the
		// runs until a merge; the tombstone keeps them out of lookups and
		// merges.
		if err := t.set("delete index record", numKey(tombstonePrefix, id), nil); err != nil {
			return err
		}
		t.deleted = append(t.deleted, id)
		if err := t.changeRecordPointer("delete index record", id, nil); err != nil {
			return err
		}
		if err := t.del("delete index record", numKey(reviewPrefix, id)); err != nil {
			return err
		}
		if err := t.deleteReidSource(id); err != nil {
			return err
		}
		c.records--
	}
	t.changed()
	return nil
}
