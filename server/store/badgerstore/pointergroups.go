package badgerstore

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// A record's pointer into the record log (recordlog.go) is kept in Badger
// in a group of pointerGroupSize consecutive record IDs, one value per
// group (pointerGroupPrefix + ID / pointerGroupSize). Registration gives
// a batch's records consecutive IDs, so a batch of 1,000 records writes
// some 16 Badger entries for its pointers, not 1,000: with encryption on,
// Badger commits every entry as a skiplist insert and a log entry under a
// fresh AES cipher, and every key is moved down the LSM by compactions,
// which grow with the index (at eleven million records they cost more per
// record than the records' lookups in the posting runs did at one
// million).
//
// A group value is pointerGroupSize slots of recordPointerLen bytes; a
// slot of zeros holds no record. A pointer is never zero: segments are
// numbered from 1. An Update changes a working copy of each group it
// touches (tx.groups) and writes the copies when it commits (tx.flush).
//
// Stores written before the groups kept each record's pointer under
// recordPrefix + ID, and before the record log the whole record there.
// Those keys stay: a record whose group has no slot for it is read there
// (legacyRecord), and deleting a record deletes that key too.
const (
	pointerGroupSize  = 64
	pointerGroupBytes = pointerGroupSize * recordPointerLen
)

// groupOf is record id's group and the offset of its slot in the group's
// value.
func groupOf(id uint64) (group uint64, offset int) {
	return id / pointerGroupSize, int(id%pointerGroupSize) * recordPointerLen
}

// groupSlot is the pointer at offset of a group's value, nil if the slot
// is empty, a copy the caller may keep.
func groupSlot(v []byte, offset int) ([]byte, error) {
	if len(v) != pointerGroupBytes {
		return nil, corrupt("record pointer group")
	}
	p := v[offset : offset+recordPointerLen]
	if bytes.Equal(p, deletedPointer[:]) {
		return nil, nil
	}
	return slices.Clone(p), nil
}

// eachGroupPointer calls fn with the ID and pointer of every record that
// the group of key (its number, as in its Badger key after the prefix)
// and value holds; pointer is valid only during fn.
func eachGroupPointer(key, value []byte, fn func(id uint64, pointer []byte) error) error {
	if len(key) != 8 || len(value) != pointerGroupBytes {
		return corrupt("record pointer group")
	}
	first := binary.BigEndian.Uint64(key) * pointerGroupSize
	for i := range uint64(pointerGroupSize) {
		p := value[i*recordPointerLen : (i+1)*recordPointerLen]
		if bytes.Equal(p, deletedPointer[:]) {
			continue // no record there
		}
		if err := fn(first+i, p); err != nil {
			return err
		}
	}
	return nil
}

// locate finds record id (key is a buffer to reuse): its pointer into the
// record log or, kept whole by a store before the record log, its value;
// found is false when there is no such record. Safe for concurrent use
// while the transaction writes nothing.
func (t *tx) locate(id uint64, key []byte) (pointer, whole []byte, found bool, err error) {
	group, offset := groupOf(id)
	if v, own := t.groups[group]; own {
		if pointer, err = groupSlot(v, offset); err != nil || pointer != nil {
			return pointer, nil, pointer != nil, err
		}
		return t.legacyRecord(id, key)
	}
	key = appendNumKey(key[:0], pointerGroupPrefix, group)
	if _, pending := t.base.lookup(key); !pending && t.records != nil && !t.isChanging(id) {
		// The pointer file, unless the Update before changed the group
		// or a commit in flight changed the record (their pointers may
		// not be in the file yet).
		maxID, err := t.maxVisibleID()
		if err != nil {
			return nil, nil, false, err
		}
		if pointer, ok := t.slots.read(id, t.slotsVisible, maxID); ok {
			return pointer, nil, pointer != nil, nil
		}
	}
	_, err = t.get("read record pointers", key, func(v []byte) (err error) {
		pointer, err = groupSlot(v, offset)
		return err
	})
	if err != nil || pointer != nil {
		return pointer, nil, pointer != nil, err
	}
	return t.legacyRecord(id, key)
}

// legacyRecord reads record id under its own key, as a store before the
// pointer groups kept it: a pointer, or before the record log the whole
// record.
func (t *tx) legacyRecord(id uint64, key []byte) (pointer, whole []byte, found bool, err error) {
	found, err = t.get("read index record", appendNumKey(key[:0], recordPrefix, id), func(v []byte) error {
		if len(v) == recordPointerLen {
			pointer = slices.Clone(v)
		} else {
			whole = slices.Clone(v)
		}
		return nil
	})
	return pointer, whole, found, err
}

// isChanging reports whether a commit in flight when the snapshot was
// taken changes record id.
func (t *tx) isChanging(id uint64) bool {
	_, ok := t.changing[id]
	return ok
}

// changeRecordPointer is setRecordPointer for a record that exists: its
// person changed, or it is deleted (nil).
func (t *tx) changeRecordPointer(op string, id uint64, pointer []byte) error {
	t.changedRecords = append(t.changedRecords, id)
	return t.setRecordPointer(op, id, pointer)
}

// setRecordPointer writes record id's pointer (nil: deletes the record)
// into the working copy of its group.
func (t *tx) setRecordPointer(op string, id uint64, pointer []byte) error {
	if t.pointers == nil {
		t.pointers = map[uint64][]byte{}
	}
	t.pointers[id] = pointer
	group, offset := groupOf(id)
	v, err := t.groupForWrite(group)
	if err != nil {
		return err
	}
	slot := v[offset : offset+recordPointerLen]
	if pointer != nil {
		copy(slot, pointer)
		return nil
	}
	clear(slot)
	// A store before the groups may have the record under its own key.
	return t.del(op, numKey(recordPrefix, id))
}

// groupForWrite is the working copy of group, read on first use.
func (t *tx) groupForWrite(group uint64) ([]byte, error) {
	if v, ok := t.groups[group]; ok {
		return v, nil
	}
	v := make([]byte, pointerGroupBytes)
	_, err := t.get("read record pointers", numKey(pointerGroupPrefix, group), func(stored []byte) error {
		if len(stored) != pointerGroupBytes {
			return corrupt("record pointer group")
		}
		copy(v, stored)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t.groups == nil {
		t.groups = map[uint64][]byte{}
	}
	t.groups[group] = v
	return v, nil
}

// flushGroups writes the groups the transaction changed.
func (t *tx) flushGroups() error {
	for group, v := range t.groups {
		if err := t.set("write record pointers", numKey(pointerGroupPrefix, group), v); err != nil {
			return err
		}
	}
	return nil
}
