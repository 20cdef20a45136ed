package linkage

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortKeysAsComparisonSort: evenly spread keys, keys repeated many
// times (a household's blocks in one batch), keys crowded into one bucket,
// and short slices all come out as slices.Sort has them.
func TestSortKeysAsComparisonSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases := map[string]func(int) []uint64{
		"spread": func(n int) []uint64 {
			k := make([]uint64, n)
			for i := range k {
				k[i] = rng.Uint64()
			}
			return k
		},
		"repeated": func(n int) []uint64 {
			k := make([]uint64, n)
			for i := range k {
				k[i] = uint64(rng.IntN(n/8+1)) * 0x9e3779b97f4a7c15
			}
			return k
		},
		"crowded": func(n int) []uint64 {
			k := make([]uint64, n)
			for i := range k {
				k[i] = rng.Uint64N(1 << 20) // all in the lowest bucket
			}
			return k
		},
	}
	for name, gen := range cases {
		for _, n := range []int{0, 1, 63, 64, 65, 1000, 7700} {
			keys := gen(n)
			want := slices.Sorted(slices.Values(keys))
			sortKeys(keys)
			if !slices.Equal(keys, want) {
				t.Fatalf("%s, %d keys: not sorted as slices.Sort sorts them", name, n)
			}
		}
	}
}

func BenchmarkSortKeys(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint64, 7700)
	work := make([]uint64, len(keys))
	for i := range keys {
		keys[i] = rng.Uint64()
	}
	b.Run("buckets", func(b *testing.B) {
		for b.Loop() {
			copy(work, keys)
			sortKeys(work)
		}
	})
	b.Run("slices.Sort", func(b *testing.B) {
		for b.Loop() {
			copy(work, keys)
			slices.Sort(work)
		}
	})
}
