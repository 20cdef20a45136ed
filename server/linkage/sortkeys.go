package linkage

import (
	"math/bits"
	"slices"
)

// sortKeys sorts a batch's blocking keys. They are keyed hashes, spread
// evenly, so it deals them into as many buckets as there are keys by their
// top bits and then sorts by insertion, which moves a key only within its
// bucket: some 2n steps where a comparison sort takes n log n (on
// registration's one goroutine, 0.8 s of CPU over 1M records). Should the
// keys not be spread (a bucket of more than maxBucket), it sorts them by
// comparison instead.
func sortKeys(keys []uint64) {
	n := len(keys)
	if n < 64 {
		slices.Sort(keys)
		return
	}
	shift := 64 - bits.Len(uint(n-1))
	starts := make([]int32, 1<<(64-shift)+1)
	for _, k := range keys {
		starts[k>>shift+1]++
	}
	for i := 1; i < len(starts); i++ {
		if starts[i] > maxBucket {
			slices.Sort(keys)
			return
		}
		starts[i] += starts[i-1]
	}
	dealt := make([]uint64, n)
	for _, k := range keys {
		b := k >> shift
		dealt[starts[b]] = k
		starts[b]++
	}
	for i := 1; i < n; i++ {
		for j := i; j > 0 && dealt[j] < dealt[j-1]; j-- {
			dealt[j], dealt[j-1] = dealt[j-1], dealt[j]
		}
	}
	copy(keys, dealt)
}

// maxBucket is the most keys a bucket may hold before sortKeys gives up
// on buckets: 64 equal keys cost insertion nothing, 64 different ones
// some 2,000 steps.
const maxBucket = 64
