package badgerstore

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/ttpnl/ttp/server/store"
)

// index is store.PersonIndex.
type index struct{ t *tx }

// Lock has nothing to do: Updates run one at a time (Store.mu).
func (ix index) Lock() error { return nil }

func (ix index) ReserveIDs(n int) (uint64, error) {
	c, err := ix.reservation("ReserveIDs", n)
	if err != nil {
		return 0, err
	}
	first := max(c.nextID, 1)
	c.nextID = first + uint64(n)
	ix.t.changed()
	return first, nil
}

// reservation checks that op may reserve n IDs, and returns the counters
// to take them from; the caller advances one and calls changed.
func (ix index) reservation(op string, n int) (*counters, error) {
	if err := ix.t.writable(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("badgerstore: %s of fewer than one ID", op)
	}
	return ix.t.counters()
}

func (ix index) Stats() (store.IndexStats, error) {
	c, err := ix.t.counters()
	if err != nil {
		return store.IndexStats{}, err
	}
	return store.IndexStats{Records: c.records, Persons: c.persons}, nil
}

// record reads record id; ok is false when it is absent. Safe for
// concurrent use while the transaction writes nothing; key is a buffer to
// reuse.
func (t *tx) record(id uint64, key []byte) (r store.IndexRecord, ok bool, err error) {
	if t.records != nil {
		t.records.work.pointerGets.Add(1)
	}
	pointer, whole, ok, err := t.locate(id, key)
	switch {
	case err != nil || !ok:
		return r, false, err
	case whole != nil:
		r, err = decodeRecord(id, whole) // kept whole in Badger by an older version
	case t.records == nil:
		return r, false, errors.New("badgerstore: index record read without the record log")
	default:
		r, err = t.recordAt(id, pointer)
	}
	return r, err == nil, err
}

// recordAt reads record id from the record log at pointer and decodes it.
func (t *tx) recordAt(id uint64, pointer []byte) (store.IndexRecord, error) {
	v, err := t.records.read(id, pointer)
	if err != nil {
		return store.IndexRecord{}, err
	}
	return decodeRecord(id, v)
}

// Records reads the records fanned out over goroutines.
func (ix index) Records(ids []uint64) (map[uint64]store.IndexRecord, error) {
	found := make([]store.IndexRecord, len(ids))
	order := keyOrder(ids)
	err := fanOut(len(ids), func(lo, hi int) error {
		key := make([]byte, 0, len(recordPrefix)+8)
		for _, i := range order[lo:hi] {
			r, _, err := ix.t.record(ids[i], key)
			if err != nil {
				return err
			}
			found[i] = r
		}
		return nil
	})
	return byKey(found, err, func(r *store.IndexRecord) uint64 { return r.ID })
}

// BySource looks each source's record up, fanned out over goroutines.
func (ix index) BySource(sources []uint64) (map[uint64]store.IndexRecord, error) {
	maxID, err := ix.t.maxVisibleID()
	if err != nil {
		return nil, err
	}
	found := make([]store.IndexRecord, len(sources))
	err = fanOut(len(sources), func(lo, hi int) error {
		key := make([]byte, 0, len(recordPrefix)+8)
		for i := lo; i < hi; i++ {
			r, ok, err := ix.t.bySource(sources[i], maxID, key)
			if err != nil {
				return err
			}
			if ok {
				found[i] = r
			}
		}
		return nil
	})
	if err == nil && ix.t.update {
		ix.t.mu.Lock()
		if ix.t.absent == nil {
			ix.t.absent = make(map[uint64]struct{}, len(sources))
		}
		for i, r := range found {
			if r.ID == 0 {
				ix.t.absent[sources[i]] = struct{}{}
			}
		}
		ix.t.mu.Unlock()
	}
	return byKey(found, err, func(r *store.IndexRecord) uint64 { return r.Source })
}

// byKey maps the records found (ID not 0) by key.
func byKey(found []store.IndexRecord, err error, key func(*store.IndexRecord) uint64) (map[uint64]store.IndexRecord, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]store.IndexRecord, len(found))
	for i := range found {
		if found[i].ID != 0 {
			out[key(&found[i])] = found[i]
		}
	}
	return out, nil
}

// bySource reads the record of source: the newest live record among the
// source's postings whose source it is (older ones were deleted; a
// posting key shared with another kind by chance names a record of
// another source). Safe for concurrent use; maxID is maxVisibleID's, key
// a buffer to reuse.
func (t *tx) bySource(source, maxID uint64, key []byte) (store.IndexRecord, bool, error) {
	ids, err := t.members(sourcePosting(source), 4, maxID)
	if err != nil {
		return store.IndexRecord{}, false, err
	}
	for _, id := range ids {
		r, ok, err := t.record(id, key)
		if err != nil {
			return r, false, err
		}
		if ok && r.Source == source {
			return r, true, nil
		}
	}
	return store.IndexRecord{}, false, nil
}

// OfPerson reads the records among the person's postings that are still
// the person's (SetPerson leaves a posting under the person before), in ID
// order.
func (ix index) OfPerson(person uint64, limit int) ([]store.IndexRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	maxID, err := ix.t.maxVisibleID()
	if err != nil {
		return nil, err
	}
	ids, err := ix.t.members(personPosting(person), math.MaxInt, maxID)
	if err != nil {
		return nil, err
	}
	byID, err := ix.Records(ids)
	if err != nil {
		return nil, err
	}
	slices.Reverse(ids) // oldest first
	out := make([]store.IndexRecord, 0, min(limit, len(ids)))
	for _, id := range ids {
		if r, ok := byID[id]; ok && r.Person == person && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (ix index) SetPerson(id, person uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	r, ok, err := ix.t.record(id, nil)
	if err != nil {
		return err
	}
	if !ok {
		return store.ErrNotFound
	}
	if r.Person == person {
		return nil
	}
	ix.t.addPosting(personPosting(person), id)
	r.Person = person
	pointers, err := ix.t.records.appendRecords([]store.IndexRecord{r})
	if err != nil {
		return err
	}
	return ix.t.changeRecordPointer("write index record", id, pointers[0])
}
