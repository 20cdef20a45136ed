package badgerstore_test

import (
	"encoding/binary"

	"github.com/ttpnl/ttp/server/store"
)

// shapes makes realistic index records, the n-th always the same, without
// keeping earlier ones in memory: random 64-bit sources and persons, 200
// bytes of features and 7 blocks, each of which is, with probability 0.6,
// one that an earlier record has (a block key chosen uniformly among those
// in use, so that blocks grow slowly with the index, as selective blocking
// keys do: a new record meets a handful of candidates), else new.
type shapes struct{ seed uint64 }

const (
	shapeBlocks   = 7
	shapeShared   = 0.6
	shapeFeatures = 200
)

// mix is a 64-bit hash (SplitMix64's finaliser) of x.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

func (s shapes) hash(n uint64, what uint64) uint64 { return mix(mix(s.seed^n) ^ what) }

// fresh reports whether record n's block j is a new key.
func (s shapes) fresh(n uint64, j int) bool {
	return n == 0 || float64(s.hash(n, 100+uint64(j))>>11)/(1<<53) >= shapeShared
}

// origin is the record whose new key n's block j is: n itself, or a
// uniformly random earlier record whose block j was new (found by
// drawing earlier records until one is: 2.5 draws on average).
func (s shapes) origin(n uint64, j int) uint64 {
	if s.fresh(n, j) {
		return n
	}
	for try := uint64(0); ; try++ {
		if m := s.hash(n, 300+uint64(j)+16*try) % n; s.fresh(m, j) {
			return m
		}
	}
}

// record returns the n-th record (from 0), with the given ID.
func (s shapes) record(n, id uint64) store.IndexRecord {
	r := store.IndexRecord{ID: id, Source: s.hash(n, 2), Person: s.hash(n, 3) | 1,
		Features: make([]byte, shapeFeatures), Blocks: make([]uint64, 0, shapeBlocks)}
	for i := 0; i < shapeFeatures; i += 8 {
		binary.LittleEndian.PutUint64(r.Features[i:], s.hash(n, 1000+uint64(i)))
	}
	for j := range shapeBlocks {
		k := s.hash(s.origin(n, j), 200+uint64(j))
		if !containsKey(r.Blocks, k) {
			r.Blocks = append(r.Blocks, k)
		}
	}
	return r
}

func containsKey(ks []uint64, k uint64) bool {
	for _, l := range ks {
		if l == k {
			return true
		}
	}
	return false
}
