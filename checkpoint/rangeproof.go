package checkpoint

import (
	"errors"
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// A range proof shows that records are the first'th to last'th records of
// a tree, byte for byte, with none left out: the verifier hashes the
// records itself, and the proof gives the root hashes of the subtrees
// beside them (at most two for each level of the tree), from which the
// verifier computes the tree's root hash and compares it with the signed
// checkpoint's. RFC 6962 defines proofs of one record and of consistency,
// not of ranges; this is the same tree walked the same way (its split of
// n leaves at the largest power of two below n), with the range's leaves
// computed and every subtree outside the range read. Each subtree read is
// a whole one, which tlog stores under StoredHashIndex.
//
// A committee member reads a period, or a request's records, as one run of
// consecutive records proved this way, so that the server cannot leave a
// record out of what it shows.

// MaxRange bounds the records of one range proof.
const MaxRange = 1000

// RangeProof returns the stored-hash indexes (tlog.StoredHashIndex) of the
// hashes a proof of records first..last (from 1) in the tree of size
// records consists of, in the order CheckRange takes them.
func RangeProof(first, last, size uint64) ([]int64, error) {
	if err := checkBounds(first, last, size); err != nil {
		return nil, err
	}
	var idx []int64
	walkRange(0, int64(size), int64(first-1), int64(last), func(int64) tlog.Hash { return tlog.Hash{} },
		func(level int, k int64) (tlog.Hash, error) {
			idx = append(idx, tlog.StoredHashIndex(level, k))
			return tlog.Hash{}, nil
		})
	return idx, nil
}

// CheckRange checks that records are the first'th (from 1) and following
// records of the tree of c, byte for byte and all of them, with proof, the
// hashes RangeProof names.
func CheckRange(c Checkpoint, first uint64, records [][]byte, proof []tlog.Hash) error {
	last := first + uint64(len(records)) - 1
	if len(records) == 0 || last < first {
		return errors.New("a range proof of no records")
	}
	if err := checkBounds(first, last, c.Size); err != nil {
		return err
	}
	next := 0
	root, err := walkRange(0, int64(c.Size), int64(first-1), int64(last),
		func(i int64) tlog.Hash { return tlog.RecordHash(records[i-int64(first-1)]) },
		func(int, int64) (tlog.Hash, error) {
			if next == len(proof) {
				return tlog.Hash{}, errTooShort
			}
			next++
			return proof[next-1], nil
		})
	if err != nil || next != len(proof) || root != c.Hash {
		return fmt.Errorf("%w: records %d..%d as the server gives them are not those of the tree", ErrInconsistent, first, last)
	}
	return nil
}

var errTooShort = errors.New("proof too short")

// maxSize is the largest tree size a checkpoint may name (parse).
const maxSize = 1 << 62

func checkBounds(first, last, size uint64) error {
	switch {
	case size > maxSize:
		return fmt.Errorf("a tree of %d records is beyond any log", size)
	case first < 1 || last < first || last > size:
		return fmt.Errorf("records %d..%d are not a range of a tree of %d records", first, last, size)
	case last-first >= MaxRange:
		return fmt.Errorf("records %d..%d are more than the %d one proof covers", first, last, MaxRange)
	}
	return nil
}

// walkRange computes the root hash of the tree over leaves [l, r) (from
// 0), with leaf for the leaves in [lo, hi) and side for each whole subtree
// outside it: level and index as tlog numbers them.
func walkRange(l, r, lo, hi int64, leaf func(i int64) tlog.Hash, side func(level int, k int64) (tlog.Hash, error)) (tlog.Hash, error) {
	n := r - l
	switch {
	case (r <= lo || l >= hi) && n&(n-1) == 0:
		// Whole and outside: RFC 6962's split makes a whole subtree of
		// 2^level leaves start at a multiple of 2^level.
		level := bits.TrailingZeros64(uint64(n))
		return side(level, l>>level)
	case n == 1:
		return leaf(l), nil
	}
	k := int64(1) << (bits.Len64(uint64(n-1)) - 1) // the largest power of two below n
	left, err := walkRange(l, l+k, lo, hi, leaf, side)
	if err != nil {
		return tlog.Hash{}, err
	}
	right, err := walkRange(l+k, r, lo, hi, leaf, side)
	if err != nil {
		return tlog.Hash{}, err
	}
	return tlog.NodeHash(left, right), nil
}
