package audit

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/server/store"
)

// The log's Merkle tree is RFC 6962's, over the records' stored bytes, in
// golang.org/x/mod/sumdb/tlog's layout: appending record n (from 0) stores
// the hashes tlog.StoredHashes gives at tlog.StoredHashIndex(0, n) and
// after, and a proof of any tree size reads at most a few dozen of them.
// The hashes are appended in the transaction that appends their record.

// Tree is the log's Merkle tree at one size: its number of records and
// root hash.
type Tree struct {
	Size uint64
	Hash tlog.Hash
}

// hashReader reads stored tree hashes through a transaction.
func hashReader(a store.AuditLog) tlog.HashReaderFunc {
	return func(indexes []int64) ([]tlog.Hash, error) {
		idx := make([]uint64, len(indexes))
		for i, x := range indexes {
			idx[i] = uint64(x)
		}
		hs, err := a.Hashes(idx)
		if err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(hs))
		for i, h := range hs {
			out[i] = tlog.Hash(h)
		}
		return out, nil
	}
}

// storeHashes converts tree hashes for the store.
func storeHashes(hs []tlog.Hash) []store.AuditHash {
	out := make([]store.AuditHash, len(hs))
	for i, h := range hs {
		out[i] = store.AuditHash(h)
	}
	return out
}

// appendTree computes and stores the tree hashes of record n (from 0),
// whose stored bytes are raw, after checking that record n-1, prev, is the
// record the tree holds: a log whose last record was changed is not
// appended to. It reads what it needs in one call to the store.
func appendTree(a store.AuditLog, n int64, raw []byte, prev []byte) error {
	var prevHash tlog.Hash
	read := hashReader(a)
	reads := 0
	hashes, err := tlog.StoredHashes(n, raw, tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		reads++
		if n == 0 {
			return read(indexes)
		}
		hs, err := read(append(indexes[:len(indexes):len(indexes)], tlog.StoredHashIndex(0, n-1)))
		if err != nil {
			return nil, err
		}
		prevHash = hs[len(hs)-1]
		return hs[:len(hs)-1], nil
	}))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: record %d has no tree hash (does a ttpd older than this one append to the log? upgrade them all)", ErrBroken, n)
	}
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if n > 0 && reads != 1 {
		return fmt.Errorf("audit log: tlog read the tree %d times for one record", reads)
	}
	if n > 0 && tlog.RecordHash(prev) != prevHash {
		return fmt.Errorf("%w: record %d is not the record its tree hash was made of: the log was changed; nothing is appended after it (ttpd -verify-audit)", ErrBroken, n)
	}
	return a.AppendHashes(uint64(tlog.StoredHashIndex(0, n)), storeHashes(hashes))
}

// Head returns the tree of the whole log now.
func (l *Log) Head(ctx context.Context) (Tree, error) {
	var t Tree
	err := l.st.View(ctx, func(tx store.Tx) error {
		last, err := tx.Audit().Last()
		if err != nil {
			return err
		}
		t.Size = last.Seq
		t.Hash, err = tlog.TreeHash(int64(t.Size), hashReader(tx.Audit()))
		return err
	})
	if err != nil {
		return Tree{}, fmt.Errorf("audit log: tree head: %w", err)
	}
	return t, nil
}

// ErrBeyond reports a proof asked for a tree larger than the log.
var ErrBeyond = errors.New("audit log: the log is not that long")

// ProveConsistency returns the proof that the tree of size newer extends
// the tree of size older (RFC 6962's consistency proof): that the log's
// first older records are the same in both. An empty proof when older is
// 0 or equals newer.
func (l *Log) ProveConsistency(ctx context.Context, older, newer uint64) (tlog.TreeProof, error) {
	if older > newer {
		return nil, fmt.Errorf("audit log: a proof from %d records to fewer, %d", older, newer)
	}
	var proof tlog.TreeProof
	err := l.st.View(ctx, func(tx store.Tx) error {
		if err := within(tx, newer); err != nil || older == 0 {
			return err
		}
		var err error
		proof, err = tlog.ProveTree(int64(newer), int64(older), hashReader(tx.Audit()))
		return err
	})
	return proof, err
}

// ProveInclusion returns record seq (from 1) as stored and the proof that
// it is in the tree of size size (RFC 6962's audit path).
func (l *Log) ProveInclusion(ctx context.Context, seq, size uint64) ([]byte, tlog.RecordProof, error) {
	if seq < 1 || seq > size {
		return nil, nil, fmt.Errorf("audit log: record %d is not in a tree of %d records", seq, size)
	}
	var raw []byte
	var proof tlog.RecordProof
	err := l.st.View(ctx, func(tx store.Tx) error {
		if err := within(tx, size); err != nil {
			return err
		}
		stop := errors.New("stop")
		err := tx.Audit().Scan(seq, func(e store.AuditEntry) error {
			raw = e.Data
			return stop
		})
		if err == nil {
			return fmt.Errorf("%w: record %d is missing", ErrBroken, seq)
		}
		if !errors.Is(err, stop) {
			return err
		}
		proof, err = tlog.ProveRecord(int64(size), int64(seq-1), hashReader(tx.Audit()))
		return err
	})
	return raw, proof, err
}

// ProveRange returns records first..last (from 1) as stored and the proof
// that they are those records of the tree of size size, all of them
// (checkpoint.RangeProof).
func (l *Log) ProveRange(ctx context.Context, first, last, size uint64) ([][]byte, []tlog.Hash, error) {
	idx, err := checkpoint.RangeProof(first, last, size)
	if err != nil {
		return nil, nil, fmt.Errorf("audit log: %w", err)
	}
	var raws [][]byte
	var proof []tlog.Hash
	err = l.st.View(ctx, func(tx store.Tx) error {
		if err := within(tx, size); err != nil {
			return err
		}
		stop := errors.New("stop")
		err := tx.Audit().Scan(first, func(e store.AuditEntry) error {
			if e.Seq != first+uint64(len(raws)) {
				return fmt.Errorf("%w: record %d is missing", ErrBroken, first+uint64(len(raws)))
			}
			raws = append(raws, e.Data)
			if e.Seq == last {
				return stop
			}
			return nil
		})
		if err == nil {
			err = fmt.Errorf("%w: record %d is missing", ErrBroken, first+uint64(len(raws)))
		}
		if !errors.Is(err, stop) {
			return err
		}
		proof, err = hashReader(tx.Audit()).ReadHashes(idx)
		return err
	})
	return raws, proof, err
}

// within checks that the log has at least size records.
func within(tx store.Tx, size uint64) error {
	last, err := tx.Audit().Last()
	if err != nil {
		return err
	}
	if size > last.Seq {
		return fmt.Errorf("%w: a tree of %d records asked, the log has %d", ErrBeyond, size, last.Seq)
	}
	return nil
}
