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
		compare := func() error {
			if len(page) == 0 {
				return nil
			}
			stored, err := hashReader(a).ReadHashes(indexRange(pageFirst, len(page)))
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: records from %d on have no tree hashes", ErrBroken, recordOf(pageFirst)+1)
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
		n := int64(0)
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

// BuildTree computes and stores the tree hashes of the records that have
// none, as in a log written before ttpd kept a tree, and returns how many
// records it hashed. It takes the audit lock for each batch, so that it
// may run while other servers on the store start. Run VerifyTree after it:
// it trusts the records it hashes.
func BuildTree(ctx context.Context, st store.Store) (uint64, error) {
	var built uint64
	for {
		done := false
		err := st.Update(ctx, func(tx store.Tx) error {
			a := tx.Audit()
			last, err := a.Last() // the lock: no append while we build
			if err != nil {
				return err
			}
			from, err := firstUnhashed(a, int64(last.Seq))
			if err != nil || from == int64(last.Seq) {
				done = true
				return err
			}
			f := newFrontier(hashReader(a))
			var hashes []tlog.Hash
			n := from
			stop := errors.New("batch full")
			err = a.Scan(uint64(from)+1, func(e store.AuditEntry) error {
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
			built += uint64(n - from)
			return a.AppendHashes(uint64(tlog.StoredHashIndex(0, from)), storeHashes(hashes))
		})
		if err != nil {
			return built, fmt.Errorf("audit log: building the tree: %w", err)
		}
		if done {
			return built, nil
		}
	}
}

// firstUnhashed returns the first record (from 0) of the size records
// without tree hashes, or size if all have them. Records get their hashes
// in order, so those with them are a prefix: a binary search finds its end.
func firstUnhashed(a store.AuditLog, size int64) (int64, error) {
	lo, hi := int64(0), size // records before lo are hashed, from hi on not
	for lo < hi {
		mid := lo + (hi-lo)/2
		_, err := a.Hashes([]uint64{uint64(tlog.StoredHashIndex(0, mid))})
		switch {
		case err == nil:
			lo = mid + 1
		case errors.Is(err, store.ErrNotFound):
			hi = mid
		default:
			return 0, err
		}
	}
	return lo, nil
}
