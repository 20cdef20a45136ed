package badgerstore

import (
	"encoding/binary"
	"errors"

	"github.com/ttpnl/ttp/server/store"
)

// index is store.PersonIndex.
type index struct{ t *tx }

// Lock has nothing to do: Updates run one at a time (Store.mu).
func (ix index) Lock() error { return nil }

func (ix index) ReserveIDs(n int) (uint64, error) {
	if err := ix.t.writable(); err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, errors.New("badgerstore: ReserveIDs of fewer than one ID")
	}
	c, err := ix.t.counters()
	if err != nil {
		return 0, err
	}
	first := max(c.nextID, 1)
	c.nextID = first + uint64(n)
	ix.t.changed()
	return first, nil
}

func (ix index) Stats() (store.IndexStats, error) {
	c, err := ix.t.counters()
	if err != nil {
		return store.IndexStats{}, err
	}
	return store.IndexStats{Records: c.records, Persons: c.persons}, nil
}

func (ix index) AddPersons(persons ...uint64) error {
	for _, p := range persons {
		if err := ix.addPerson(p); err != nil {
			return err
		}
	}
	return nil
}

func (ix index) addPerson(person uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	key := numKey(personPrefix, person)
	if found, err := ix.t.has("read person", key); err != nil || found {
		return orExists(err)
	}
	c, err := ix.t.counters()
	if err != nil {
		return err
	}
	c.persons++
	ix.t.changed()
	return ix.t.set("write person", key, nil)
}

func (ix index) RemovePerson(person uint64) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	key := numKey(personPrefix, person)
	found, err := ix.t.has("read person", key)
	if err != nil {
		return err
	}
	if !found {
		return store.ErrNotFound
	}
	c, err := ix.t.counters()
	if err != nil {
		return err
	}
	c.persons--
	ix.t.changed()
	return ix.t.del("delete person", key)
}

// record reads record id; ok is false when it is absent. Safe for
// concurrent use; key is a buffer to reuse.
func (t *tx) record(id uint64, key []byte) (r store.IndexRecord, ok bool, err error) {
	ok, err = t.get("read index record", appendNumKey(key[:0], recordPrefix, id), func(v []byte) (err error) {
		r, err = decodeRecord(id, v)
		return err
	})
	return r, ok, err
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

// BySource reads each source's record ID, then the record, fanned out over
// goroutines.
func (ix index) BySource(sources []uint64) (map[uint64]store.IndexRecord, error) {
	found := make([]store.IndexRecord, len(sources))
	order := keyOrder(sources)
	err := fanOut(len(sources), func(lo, hi int) error {
		key := make([]byte, 0, len(sourcePrefix)+8)
		for _, i := range order[lo:hi] {
			id, ok, err := ix.t.sourceID(sources[i], key)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			r, ok, err := ix.t.record(id, key)
			if err != nil {
				return err
			}
			if !ok {
				return corrupt("index (a source names a missing record)")
			}
			found[i] = r
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

// sourceID reads the ID of source's record. Safe for concurrent use.
func (t *tx) sourceID(source uint64, key []byte) (id uint64, ok bool, err error) {
	ok, err = t.get("read index source", appendNumKey(key[:0], sourcePrefix, source), func(v []byte) error {
		if len(v) != 8 {
			return corrupt("index source")
		}
		id = binary.BigEndian.Uint64(v)
		return nil
	})
	return id, ok, err
}

// OfPerson scans the person's member keys, in ID order, then reads the
// records.
func (ix index) OfPerson(person uint64, limit int) ([]store.IndexRecord, error) {
	var ids []uint64
	if limit > 0 {
		err := ix.t.scan("read person's records", string(numKey(memberPrefix, person)), nil, true, func(k, _ []byte) error {
			if len(k) != 8 {
				return corrupt("person's record key")
			}
			ids = append(ids, binary.BigEndian.Uint64(k))
			if len(ids) == limit {
				return errStop
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	byID, err := ix.Records(ids)
	if err != nil {
		return nil, err
	}
	out := make([]store.IndexRecord, 0, len(ids))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			return nil, corrupt("index (a person lists a missing record)")
		}
		out = append(out, r)
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
	if err := ix.t.del("write person's records", memberKey(r.Person, id)); err != nil {
		return err
	}
	if err := ix.t.set("write person's records", memberKey(person, id), nil); err != nil {
		return err
	}
	r.Person = person
	return ix.t.set("write index record", numKey(recordPrefix, id), encodeRecord(&r))
}
