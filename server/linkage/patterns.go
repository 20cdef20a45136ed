package linkage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/ttpnl/ttp/server/store"
)

// The patterns that estimation (package em) learns from: of random record
// pairs, and of the index's candidate pairs.

// scanChunk is how many record IDs one read asks for when walking the index.
const scanChunk = 4096

// RandomPatterns returns the patterns of up to n random pairs of distinct
// records, drawn uniformly by record ID, not through blocking. Pairs of
// records of one person are skipped: nearly all of them are matches, and u
// is the non-matches' distribution. It reads one snapshot of the index.
func (ix *Index) RandomPatterns(ctx context.Context, n int, rng *rand.Rand) ([]Pattern, error) {
	var out []Pattern
	err := ix.st.View(ctx, func(tx store.Tx) error {
		px := tx.Index()
		hi, err := highestID(px)
		if err != nil || hi < 2 || n <= 0 {
			return err
		}
		for tries := 0; len(out) < n && tries < 8; tries++ {
			ids := make([]uint64, 0, 2*(n-len(out)))
			for range n - len(out) {
				ids = append(ids, 1+rng.Uint64N(hi), 1+rng.Uint64N(hi))
			}
			recs, err := px.Records(ids)
			if err != nil {
				return err
			}
			for i := 0; i+1 < len(ids) && len(out) < n; i += 2 {
				a, okA := recs[ids[i]]
				b, okB := recs[ids[i+1]]
				if !okA || !okB || a.Person == b.Person {
					continue
				}
				var fa, fb Features
				if decodeFeatures(a.Features, &fa) != nil || decodeFeatures(b.Features, &fb) != nil {
					return fmt.Errorf("%w: record features", store.ErrCorrupt)
				}
				out = append(out, Compare(&fa, &fb))
			}
		}
		return nil
	})
	return out, err
}

// highestID finds the highest record ID (IDs have small gaps, where a batch
// reserved more than it added): past the record count, it probes upwards a
// chunk at a time until a chunk holds no record.
func highestID(px store.PersonIndex) (uint64, error) {
	stats, err := px.Stats()
	if err != nil {
		return 0, err
	}
	var hi uint64
	for lo := uint64(max(stats.Records-scanChunk, 0)) + 1; ; lo += scanChunk {
		recs, err := px.Records(idRange(lo, scanChunk))
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 && lo > uint64(stats.Records) {
			return hi, nil
		}
		for id := range recs {
			hi = max(hi, id)
		}
	}
}

func idRange(lo uint64, n int) []uint64 {
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = lo + uint64(i)
	}
	return ids
}

// CandidatePatterns returns the patterns of the index's candidate pairs:
// every record against the older records among the newest MaxBlock members
// of each of its blocks. Each unordered pair appears once, however many keys
// it shares. sample in (0, 1) walks only that share of the records (chosen by
// a hash of the ID, so the same ones every time); limit > 0 stops after that
// many patterns. It reads one snapshot of the index.
func (ix *Index) CandidatePatterns(ctx context.Context, limit int, sample float64) ([]Pattern, error) {
	pairs, err := ix.CandidatePairs(ctx, limit, sample)
	return pairs.Patterns, err
}

// CandidatePairs are candidate pairs' patterns grouped by the newer record
// of each pair: Patterns[Starts[i]:Starts[i+1]] (the last to the end) are
// one record's pairs with older records. An estimate that counts a record
// once, however many records it pairs with, is not inflated by many
// copies of one record.
type CandidatePairs struct {
	Patterns []Pattern
	Starts   []int
}

// Groups calls fn with each record's patterns.
func (c *CandidatePairs) Groups(fn func([]Pattern)) {
	for i, lo := range c.Starts {
		hi := len(c.Patterns)
		if i+1 < len(c.Starts) {
			hi = c.Starts[i+1]
		}
		fn(c.Patterns[lo:hi])
	}
}

// CandidatePairs returns what CandidatePatterns does, grouped by record.
func (ix *Index) CandidatePairs(ctx context.Context, limit int, sample float64) (CandidatePairs, error) {
	var out CandidatePairs
	sampled := sample > 0 && sample < 1
	cut := uint64(sample * (1 << 63))
	err := ix.st.View(ctx, func(tx store.Tx) error {
		px := tx.Index()
		hi, err := highestID(px)
		if err != nil {
			return err
		}
		for lo := uint64(1); lo <= hi; lo += scanChunk {
			chunk, err := px.Records(idRange(lo, scanChunk))
			if err != nil {
				return err
			}
			var walk []store.IndexRecord
			var blocks []uint64
			for id := lo; id < lo+scanChunk; id++ {
				r, ok := chunk[id]
				if !ok || sampled && mix64(id)>>1 >= cut {
					continue
				}
				walk = append(walk, r)
				blocks = append(blocks, r.Blocks...)
			}
			done, err := candidatePatterns(px, walk, blocks, limit, &out)
			if err != nil || done {
				return err
			}
		}
		return nil
	})
	return out, err
}

// candidatePatterns adds the patterns of walk's records with their older
// block members to out, one group per record that has any; it reports
// whether limit was reached.
func candidatePatterns(px store.PersonIndex, walk []store.IndexRecord, blocks []uint64, limit int, out *CandidatePairs) (bool, error) {
	members, err := px.BlockMembers(blocks, MaxBlock)
	if err != nil {
		return false, err
	}
	var ids []uint64
	for _, m := range members {
		ids = append(ids, m...)
	}
	recs, err := px.Records(ids)
	if err != nil {
		return false, err
	}
	features := func(r store.IndexRecord) (Features, error) {
		var f Features
		if err := decodeFeatures(r.Features, &f); err != nil {
			return f, fmt.Errorf("%w: record %d", store.ErrCorrupt, r.ID)
		}
		return f, nil
	}
	for _, r := range walk {
		fr, err := features(r)
		if err != nil {
			return false, err
		}
		start := len(out.Patterns)
		seen := map[uint64]bool{}
		for _, k := range r.Blocks {
			for _, id := range members[k] {
				if id >= r.ID || seen[id] {
					continue
				}
				seen[id] = true
				fo, err := features(recs[id])
				if err != nil {
					return false, err
				}
				if len(out.Patterns) == start {
					out.Starts = append(out.Starts, start)
				}
				out.Patterns = append(out.Patterns, Compare(&fr, &fo))
				if limit > 0 && len(out.Patterns) >= limit {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

// mix64 is SplitMix64's finaliser: a fixed, well-spread hash of x.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// ComparisonNames are the names of the comparisons, as in model files.
func ComparisonNames() []string { return slices.Clone(comparisonNames[:]) }

// LevelNames are a comparison's level names, as in model files, without
// "missing" (level 0); nil for an unknown comparison.
func LevelNames(comparison string) []string {
	c := indexOf(comparisonNames[:], comparison)
	if c < 0 {
		return nil
	}
	return slices.Clone(levelNames[c][1:])
}
