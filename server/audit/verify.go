package audit

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/server/store"
)

// verifyPage is how many records VerifyTree checks against the stored tree
// at a time: one read of their hashes, memory bounded however long the log.
const verifyPage = 1000

// VerifyTree checks the whole log and returns its tree: sequence numbers
// run from 1 without gaps, every record names its predecessor's hash, and
// every stored tree hash is the one the records give, with none beyond the
// last record (a tail removed from the records alone). On failure the
// tree's Size is how many records it read. What it cannot
// see alone is a tail removed with its hashes, or a log rewritten whole
// and rehashed: a committee's checkpoint shows those (package checkpoint).
func VerifyTree(ctx context.Context, st store.Store) (Tree, error) {
	chain := NewChecker()
	f := newFrontier(nil)
	var root tlog.Hash
	err := st.View(ctx, func(tx store.Tx) error {
		a := tx.Audit()
		var page []tlog.Hash // the hashes of the records not yet compared
		pageFirst := int64(0)
		n := int64(0) // records read
		compare := func() error {
			if len(page) == 0 {
				return nil
			}
			stored, err := hashReader(a).ReadHashes(indexRange(pageFirst, len(page)))
			if errors.Is(err, store.ErrNotFound) {
				if _, err := a.Hashes([]uint64{0}); errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("%w: the log has no Merkle tree (written before ttpd kept one? ttpd builds it when it starts)", ErrBroken)
				}
				return fmt.Errorf("%w: records among %d..%d have no tree hashes", ErrBroken, recordOf(pageFirst)+1, n)
			}
			if err != nil {
				return err
			}
			for i := range page {
				if stored[i] != page[i] {
					return fmt.Errorf("%w: tree hash %d (of record %d) is not the records' (records or hashes were changed)", ErrBroken, pageFirst+int64(i), recordOf(pageFirst+int64(i))+1)
				}
			}
			pageFirst += int64(len(page))
			page = page[:0]
			return nil
		}
		err := a.Scan(1, func(e store.AuditEntry) error {
			if err := chain.Check(e); err != nil {
				return err
			}
			hs, err := f.add(n, e.Data)
			if err != nil {
				return err
			}
			page = append(page, hs...)
			n++
			if n%verifyPage == 0 {
				return compare()
			}
			return nil
		})
		if err == nil {
			err = compare()
		}
		if err != nil {
			return err
		}
		beyond := tlog.StoredHashCount(n)
		if _, err := a.Hashes([]uint64{uint64(beyond)}); err == nil {
			return fmt.Errorf("%w: there are tree hashes beyond record %d: records were removed from the end", ErrBroken, n)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		root, err = tlog.TreeHash(n, f)
		return err
	})
	return Tree{Size: chain.Count(), Hash: root}, err
}

// indexRange is first, first+1, ... n of them.
func indexRange(first int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = first + int64(i)
	}
	return out
}

// recordOf is the record (from 0) whose append stored the hash at index.
func recordOf(index int64) int64 {
	level, n := tlog.SplitStoredHashIndex(index)
	return (n+1)<<level - 1
}

// frontier computes the tree's hashes record after record, holding only
// what the next record needs: the roots of the complete subtrees left of
// it, at most one per bit of the record count. Anything else it is asked
// for comes from fallback (the store, for a frontier that starts after the
// first record).
type frontier struct {
	roots    map[int64]tlog.Hash
	fallback tlog.HashReader
	asked    []int64 // what the last add read: no longer roots after it
}

func newFrontier(fallback tlog.HashReader) *frontier {
	return &frontier{roots: map[int64]tlog.Hash{}, fallback: fallback}
}

func (f *frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	f.asked = append(f.asked[:0], indexes...)
	out := make([]tlog.Hash, len(indexes))
	var missing []int64
	for i, x := range indexes {
		h, ok := f.roots[x]
		if !ok {
			missing = append(missing, x)
		}
		out[i] = h
	}
	if len(missing) == 0 {
		return out, nil
	}
	if f.fallback == nil {
		return nil, fmt.Errorf("audit log: tree hash %d is not at hand", missing[0])
	}
	got, err := f.fallback.ReadHashes(missing)
	if err != nil {
		return nil, err
	}
	for i, x := range indexes {
		if _, ok := f.roots[x]; !ok {
			out[i], got = got[0], got[1:]
		}
	}
	return out, nil
}

// add computes the stored hashes of record n (from 0), whose bytes are
// raw; records 0..n-1 must have been added before, or be in fallback.
func (f *frontier) add(n int64, raw []byte) ([]tlog.Hash, error) {
	f.asked = f.asked[:0]
	hs, err := tlog.StoredHashes(n, raw, f)
	if err != nil {
		return nil, err
	}
	// The subtrees record n completed are inside the one whose root it
	// stored last, the new root at the right.
	for _, x := range f.asked {
		delete(f.roots, x)
	}
	f.roots[tlog.StoredHashIndex(0, n)+int64(len(hs))-1] = hs[len(hs)-1]
	return hs, nil
}

// buildBatch is how many records BuildTree hashes in one transaction.
const buildBatch = 1000

// BuildTree gives a log written before ttpd kept a tree its tree, and
// returns how many records it hashed: none when the log has a tree. It
// trusts the records it hashes; run VerifyTree after it.
//
// Only a log without any tree is built: a record added without its tree
// hashes to a log that has one is what someone with the store would do
// behind ttpd's back, and VerifyTree must find it. So that an interrupted
// build is not taken for that, the first record's hash, by which a tree is
// known to be there, is written last; a build that starts again finds the
// batches written before and checks them. Every batch holds the audit
// lock, and the log must not grow meanwhile (a ttpd appends only to a log
// with a tree).
func BuildTree(ctx context.Context, st store.Store) (uint64, error) {
	var size int64
	built := false
	err := st.View(ctx, func(tx store.Tx) error {
		last, err := tx.Audit().Last()
		if err != nil || last.Seq == 0 {
			built = true
			return err
		}
		size = int64(last.Seq)
		_, err = tx.Audit().Hashes([]uint64{0})
		if err == nil {
			built = true
			return nil
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil || built {
		return 0, err
	}
	f := newFrontier(nil)
	var first tlog.Hash // record 0's leaf hash, written last
	for from := int64(0); from < size; from += buildBatch {
		err := st.Update(ctx, func(tx store.Tx) error {
			a := tx.Audit()
			if last, err := a.Last(); err != nil || int64(last.Seq) != size {
				return errors.Join(err, fmt.Errorf("the log grew from %d to %d records while its tree was built", size, last.Seq))
			}
			var hashes []tlog.Hash
			n := from
			stop := errors.New("batch full")
			err := a.Scan(uint64(from)+1, func(e store.AuditEntry) error {
				hs, err := f.add(n, e.Data)
				if err != nil {
					return err
				}
				hashes = append(hashes, hs...)
				if n++; n-from == buildBatch {
					return stop
				}
				return nil
			})
			if err != nil && !errors.Is(err, stop) {
				return err
			}
			start := tlog.StoredHashIndex(0, from)
			if from == 0 {
				first, hashes, start = hashes[0], hashes[1:], 1
			}
			return putHashes(a, start, hashes)
		})
		if err != nil {
			return 0, fmt.Errorf("audit log: building the tree: %w", err)
		}
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Audit().Last(); err != nil {
			return err
		}
		return putHashes(tx.Audit(), 0, []tlog.Hash{first})
	})
	if err != nil {
		return 0, fmt.Errorf("audit log: building the tree: %w", err)
	}
	return uint64(size), nil
}

// putHashes stores hashes from index first on, unless an earlier build
// (or another server's) stored them already, which must then be equal.
func putHashes(a store.AuditLog, first int64, hashes []tlog.Hash) error {
	if len(hashes) == 0 {
		return nil
	}
	stored, err := hashReader(a).ReadHashes(indexRange(first, len(hashes)))
	if errors.Is(err, store.ErrNotFound) {
		return a.AppendHashes(uint64(first), storeHashes(hashes))
	}
	if err != nil {
		return err
	}
	for i := range hashes {
		if stored[i] != hashes[i] {
			return fmt.Errorf("%w: tree hash %d, stored by an earlier build, is not the records'", ErrBroken, first+int64(i))
		}
	}
	return nil
}
