package badgerstore

import (
	"encoding/binary"
	"errors"

	"github.com/ttpnl/ttp/server/store"
)

// A record is stored under recordPrefix + ID as
//
//	source (8) | person (8) | number of blocks (1) | blocks (8 each) | features
//
// The features take the rest, so that they need no length.
const recordHeaderLen = 8 + 8 + 1

func encodeRecord(r *store.IndexRecord) []byte {
	b := make([]byte, 0, recordHeaderLen+8*len(r.Blocks)+len(r.Features))
	b = binary.BigEndian.AppendUint64(b, r.Source)
	b = binary.BigEndian.AppendUint64(b, r.Person)
	b = append(b, byte(len(r.Blocks)))
	for _, k := range r.Blocks {
		b = binary.BigEndian.AppendUint64(b, k)
	}
	return append(b, r.Features...)
}

func decodeRecord(id uint64, b []byte) (store.IndexRecord, error) {
	if len(b) < recordHeaderLen {
		return store.IndexRecord{}, corrupt("index record")
	}
	n := int(b[16])
	if n > store.MaxBlocks || len(b) < recordHeaderLen+8*n {
		return store.IndexRecord{}, corrupt("index record")
	}
	r := store.IndexRecord{ID: id, Source: binary.BigEndian.Uint64(b), Person: binary.BigEndian.Uint64(b[8:])}
	if n > 0 {
		r.Blocks = make([]uint64, n)
		for i := range r.Blocks {
			r.Blocks[i] = binary.BigEndian.Uint64(b[recordHeaderLen+8*i:])
		}
	}
	r.Features = cloneBytes(b[recordHeaderLen+8*n:])
	return r, nil
}

// checkRecord refuses a record that the store could not keep as given.
func checkRecord(r *store.IndexRecord) error {
	if r.ID == 0 {
		return errors.New("badgerstore: index record with ID 0")
	}
	if len(r.Blocks) > store.MaxBlocks {
		return errors.New("badgerstore: index record with more than MaxBlocks blocks")
	}
	for i, k := range r.Blocks {
		for _, l := range r.Blocks[:i] {
			if k == l {
				return errors.New("badgerstore: index record with a block twice")
			}
		}
	}
	return nil
}
