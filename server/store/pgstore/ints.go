package pgstore

import (
	"fmt"
	"math"
)

// A uint64 is stored in a bigint column as the int64 with the same 64 bits:
// keyed hashes, and the random person IDs of stores from before reserved
// person IDs, use all of them. Only IDs and sequence numbers are compared
// or sorted in SQL, and those that are reserved stay below 2^63, where both
// readings agree (a random ID at or above it reads as negative, so a
// reservation's range never holds it).

func i64(u uint64) int64 { return int64(u) }
func u64(i int64) uint64 { return uint64(i) }

func i64s(us []uint64) []int64 {
	is := make([]int64, len(us))
	for n, u := range us {
		is[n] = int64(u)
	}
	return is
}

func u64s(is []int64) []uint64 {
	if len(is) == 0 {
		return nil
	}
	us := make([]uint64, len(is))
	for n, i := range is {
		us[n] = uint64(i)
	}
	return us
}

// ordinal converts an ID or sequence number, which SQL compares, and so
// must be below 2^63.
func ordinal(what string, u uint64) (int64, error) {
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("pgstore: %s %d is beyond 2^63-1", what, u)
	}
	return int64(u), nil
}

// after converts an exclusive lower bound for a scan: one at or beyond
// 2^63 leaves nothing after it (ok false).
func after(u uint64) (bound int64, ok bool) {
	if u >= math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// orNil gives nil for an empty slice: lists and byte strings read back as
// nil when empty, whatever was written.
func orNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// nonNil gives an empty slice for nil, which pgx would send as NULL.
func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}
