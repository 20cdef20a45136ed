package badgerstore

import (
	"encoding/binary"
	"log/slog"

	"github.com/dgraph-io/badger/v4"
)

// A record's source sealed under the re-identification key (package reid)
// is kept with those of the other records of its group of reidGroupSize
// IDs, in one Badger value: reidGroupPrefix + ID / reidGroupSize → for
// each record of the group that has one, in ascending order, its place in
// the group (a byte), the sealed source's length (uvarint) and the sealed
// source. With a key a record, sealed sources were most of the Badger
// entries ttpd's registration wrote (each a skiplist insert and an
// encrypted log entry, and a key in every table index after); a batch's
// new records have consecutive IDs, so 1,000 of them now take some 16. An
// Update changes working copies of the groups it touches (tx.reidGroups),
// written when it commits (flushReidGroups). Stores from before kept a key
// a record (reidPrefix): opening one folds them into groups
// (migrateReidSources).
const reidGroupSize = 64

// reidGroup is a working copy of a group of sealed sources.
type reidGroup struct {
	sources [reidGroupSize][]byte // nil: none (an empty one is not nil)
	changed bool
}

func reidGroupKey(group uint64) []byte { return numKey(reidGroupPrefix, group) }

func (ix index) PutReidSources(sealed map[uint64][]byte) error {
	if err := ix.t.writable(); err != nil {
		return err
	}
	for id, b := range sealed {
		g, err := ix.t.reidGroup(id / reidGroupSize)
		if err != nil {
			return err
		}
		g.sources[id%reidGroupSize] = append([]byte{}, b...) // not nil: present, even when empty
		g.changed = true
	}
	return nil
}

func (ix index) ReidSources(ids []uint64) (map[uint64][]byte, error) {
	out := make(map[uint64][]byte)
	read := map[uint64]*reidGroup{} // a View keeps no working copies
	for _, id := range ids {
		g, ok := read[id/reidGroupSize]
		if !ok {
			var err error
			if g, err = ix.t.reidGroup(id / reidGroupSize); err != nil {
				return nil, err
			}
			read[id/reidGroupSize] = g
		}
		if b := g.sources[id%reidGroupSize]; b != nil {
			out[id] = cloneBytes(b)
		}
	}
	return out, nil
}

// deleteReidSource deletes record id's sealed source, if it has one.
func (t *tx) deleteReidSource(id uint64) error {
	g, err := t.reidGroup(id / reidGroupSize)
	if err != nil || g.sources[id%reidGroupSize] == nil {
		return err
	}
	g.sources[id%reidGroupSize] = nil
	g.changed = true
	return nil
}

// reidGroup returns a group of sealed sources: in an Update its working
// copy, read on first use; in a View as stored.
func (t *tx) reidGroup(group uint64) (*reidGroup, error) {
	if g, ok := t.reidGroups[group]; ok {
		return g, nil
	}
	g := new(reidGroup)
	_, err := t.get("read re-identification sources", reidGroupKey(group), func(v []byte) error {
		return decodeReidGroup(v, g)
	})
	if err != nil || !t.update {
		return g, err
	}
	if t.reidGroups == nil {
		t.reidGroups = make(map[uint64]*reidGroup)
	}
	t.reidGroups[group] = g
	return g, nil
}

// flushReidGroups writes the groups of sealed sources the transaction
// changed; a group left with none is deleted.
func (t *tx) flushReidGroups() error {
	for group, g := range t.reidGroups {
		if !g.changed {
			continue
		}
		if err := t.setOrDelete("re-identification sources", reidGroupKey(group), encodeReidGroup(g)); err != nil {
			return err
		}
	}
	return nil
}

// encodeReidGroup encodes g's sealed sources; nil if it has none.
func encodeReidGroup(g *reidGroup) []byte {
	var b []byte
	for i, s := range g.sources {
		if s != nil {
			b = append(b, byte(i))
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}

// decodeReidGroup decodes a stored group of sealed sources into g (whose
// sources it sets, as copies). A group with no source, places out of
// order or out of range, or a length past the end is ErrCorrupt.
func decodeReidGroup(b []byte, g *reidGroup) error {
	if len(b) == 0 {
		return corrupt("re-identification sources")
	}
	last := -1
	for len(b) > 0 {
		i := int(b[0])
		n, k := binary.Uvarint(b[1:])
		if i <= last || i >= reidGroupSize || k <= 0 || n > uint64(len(b)-1-k) {
			return corrupt("re-identification sources")
		}
		b = b[1+k:]
		g.sources[i] = append([]byte{}, b[:n]...)
		b, last = b[n:], i
	}
	return nil
}

// migrateReidSources folds the sealed sources of a store from before the
// groups, a key a record, into groups (legacyFold). A group's source is
// kept where it has one: it is the same, for nothing is registered before
// the store has opened.
func migrateReidSources(db *badger.DB, log *slog.Logger) error {
	return foldReidSources(db, log, 1<<17)
}

// foldReidSources is migrateReidSources perRound keys at a time.
func foldReidSources(db *badger.DB, log *slog.Logger, perRound int) error {
	var groups map[uint64]*reidGroup
	return legacyFold{
		what:   "re-identification sources",
		prefix: reidPrefix,
		reset:  func() { groups = map[uint64]*reidGroup{} },
		take: func(t *tx, k, v []byte) error {
			if len(k) != 8 {
				return corrupt("re-identification source key")
			}
			id := binary.BigEndian.Uint64(k)
			g, ok := groups[id/reidGroupSize]
			if !ok { // a round before may have written the group
				var err error
				if g, err = t.reidGroup(id / reidGroupSize); err != nil {
					return err
				}
				groups[id/reidGroupSize] = g
			}
			if g.sources[id%reidGroupSize] == nil {
				g.sources[id%reidGroupSize] = append([]byte{}, v...)
			}
			return nil
		},
		write: func(wb *badger.WriteBatch) error {
			for group, g := range groups {
				if err := wb.Set(reidGroupKey(group), encodeReidGroup(g)); err != nil {
					return err
				}
			}
			return nil
		},
	}.run(db, log, perRound)
}
