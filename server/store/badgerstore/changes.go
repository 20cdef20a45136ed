package badgerstore

import (
	"encoding/binary"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// A person change is stored under changePrefix + seq as
//
//	seconds (8) | nanoseconds (4) | kind (1) | from (8) | to (8)
const changeLen = 8 + 4 + 1 + 8 + 8

func encodeChange(c store.PersonChange) []byte {
	b := make([]byte, 0, changeLen)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Time.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(c.Time.Nanosecond()))
	b = append(b, c.Kind)
	b = binary.BigEndian.AppendUint64(b, c.From)
	return binary.BigEndian.AppendUint64(b, c.To)
}

func decodeChange(seq uint64, b []byte) (store.PersonChange, error) {
	if len(b) != changeLen {
		return store.PersonChange{}, corrupt("person change")
	}
	t := time.Unix(int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint32(b[8:]))).UTC()
	return store.PersonChange{Seq: seq, Time: t, Kind: b[12],
		From: binary.BigEndian.Uint64(b[13:]), To: binary.BigEndian.Uint64(b[21:])}, nil
}

// AppendChange numbers the change from the counters, which roll back with
// the transaction: committed changes have no gaps.
func (ix index) AppendChange(c store.PersonChange) (store.PersonChange, error) {
	if err := ix.t.writable(); err != nil {
		return store.PersonChange{}, err
	}
	ctr, err := ix.t.counters()
	if err != nil {
		return store.PersonChange{}, err
	}
	c.Seq = ctr.lastChange + 1
	c.Time = c.Time.UTC()
	if err := ix.t.set("write person change", numKey(changePrefix, c.Seq), encodeChange(c)); err != nil {
		return store.PersonChange{}, err
	}
	ctr.lastChange = c.Seq
	ix.t.changed()
	return c, nil
}

func (ix index) Changes(after uint64, limit int) ([]store.PersonChange, error) {
	if limit <= 0 || after == 1<<64-1 {
		return nil, nil
	}
	var out []store.PersonChange
	start := binary.BigEndian.AppendUint64(nil, after+1)
	err := ix.t.scan("list person changes", changePrefix, start, false, func(k, v []byte) error {
		if len(k) != 8 {
			return corrupt("person change key")
		}
		c, err := decodeChange(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return err
		}
		out = append(out, c)
		if len(out) == limit {
			return errStop
		}
		return nil
	})
	return out, err
}
