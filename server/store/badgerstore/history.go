package badgerstore

import (
	"encoding/binary"
	"time"

	"github.com/ttpnl/ttp/server/store"
)

// A withdrawn version is stored under historyPrefix + source + version:
// the time it was withdrawn (8 bytes, Unix nanoseconds), the record's ID,
// then the record as encodeRecord writes it.

func historyKey(source uint64, version uint32) []byte {
	return binary.BigEndian.AppendUint32(numKey(historyPrefix, source), version)
}

func (ix index) AddHistory(r store.IndexRecord, withdrawn time.Time) (int, error) {
	if err := ix.t.writable(); err != nil {
		return 0, err
	}
	old, err := ix.History(r.Source)
	if err != nil {
		return 0, err
	}
	version := len(old) + 1
	v := binary.BigEndian.AppendUint64(nil, uint64(withdrawn.UnixNano()))
	v = binary.BigEndian.AppendUint64(v, r.ID)
	v = append(v, encodeRecord(&r)...)
	return version, ix.t.set("write record history", historyKey(r.Source, uint32(version)), v)
}

func (ix index) History(source uint64) ([]store.HistoryEntry, error) {
	var out []store.HistoryEntry
	err := ix.t.scan("read record history", string(numKey(historyPrefix, source)), nil, false, func(k, v []byte) error {
		if len(k) != 4 || len(v) < 16 {
			return corrupt("record history")
		}
		r, err := decodeRecord(binary.BigEndian.Uint64(v[8:16]), v[16:])
		if err != nil {
			return err
		}
		out = append(out, store.HistoryEntry{Version: int(binary.BigEndian.Uint32(k)), Record: r,
			Withdrawn: time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))).UTC()})
		return nil
	})
	return out, err
}
