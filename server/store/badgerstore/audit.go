package badgerstore

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/ttpnl/ttp/server/store"
)

// auditLog is store.AuditLog: each entry's data under auditPrefix + seq,
// and the last Seq in the counters, so that Last is two point reads.
type auditLog struct{ t *tx }

func (l auditLog) Last() (store.AuditEntry, error) {
	c, err := l.t.counters()
	if err != nil || c.lastAudit == 0 {
		return store.AuditEntry{}, err
	}
	e := store.AuditEntry{Seq: c.lastAudit}
	found, err := l.t.get("read audit entry", numKey(auditPrefix, e.Seq), func(v []byte) error {
		e.Data = cloneBytes(v)
		return nil
	})
	if err == nil && !found {
		err = corrupt("audit log (its last entry is missing)")
	}
	return e, err
}

func (l auditLog) Append(e store.AuditEntry) error {
	if err := l.t.writable(); err != nil {
		return err
	}
	c, err := l.t.counters()
	if err != nil {
		return err
	}
	if e.Seq != c.lastAudit+1 {
		return fmt.Errorf("badgerstore: audit entry %d does not follow the last, %d", e.Seq, c.lastAudit)
	}
	if err := l.t.set("write audit entry", numKey(auditPrefix, e.Seq), cloneBytes(e.Data)); err != nil {
		return err
	}
	c.lastAudit = e.Seq
	l.t.changed()
	return nil
}

func (l auditLog) Scan(from uint64, fn func(store.AuditEntry) error) error {
	start := binary.BigEndian.AppendUint64(nil, from)
	return l.t.scan("scan audit log", auditPrefix, start, false, func(k, v []byte) error {
		if len(k) != 8 {
			return corrupt("audit key")
		}
		return fn(store.AuditEntry{Seq: binary.BigEndian.Uint64(k), Data: cloneBytes(v)})
	})
}

// AppendHashes writes each hash under auditHashPrefix + index, after
// checking that none is there (all first, so that a refusal writes
// nothing): the tree's hashes are never replaced.
func (l auditLog) AppendHashes(first uint64, hashes []store.AuditHash) error {
	if err := l.t.writable(); err != nil {
		return err
	}
	for i := range hashes {
		if found, err := l.t.has("read audit tree hash", numKey(auditHashPrefix, first+uint64(i))); err != nil || found {
			return orExists(err)
		}
	}
	for i, h := range hashes {
		if err := l.t.set("write audit tree hash", numKey(auditHashPrefix, first+uint64(i)), bytes.Clone(h[:])); err != nil {
			return err
		}
	}
	return nil
}

func (l auditLog) Hashes(indexes []uint64) ([]store.AuditHash, error) {
	out := make([]store.AuditHash, len(indexes))
	for i, index := range indexes {
		found, err := l.t.get("read audit tree hash", numKey(auditHashPrefix, index), func(v []byte) error {
			if len(v) != len(out[i]) {
				return corrupt("audit tree hash")
			}
			copy(out[i][:], v)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("badgerstore: audit tree hash %d: %w", index, store.ErrNotFound)
		}
	}
	return out, nil
}
