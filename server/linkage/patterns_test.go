package linkage

import (
	"math/rand/v2"
	"testing"
)

// openEMIndex opens an empty index on a temporary store.
func openEMIndex(t *testing.T) *Index {
	t.Helper()
	db := openStore(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	return Open(db, DefaultModel())
}

// emRecord is a record with its own BSN (so that any two records disagree
// on it, and a record compared with itself would agree) and the given
// blocking keys.
func emRecord(i int, keys ...uint64) Encoded {
	return Encoded{
		Source:   uint64(i) + 1,
		Features: Features{BSN: uint32(i) + 1, Year: 1950, Month: 3, Day: 4, Family: 77},
		Blocks:   keys,
	}
}

func TestCandidatePatternsEachPairOnce(t *testing.T) {
	ix := openEMIndex(t)
	rng := rand.New(rand.NewPCG(11, 12))
	var batch []Encoded
	for i := range 300 {
		var keys []uint64
		for range 1 + rng.IntN(MaxBlockKeys) {
			k := 1 + rng.Uint64N(60)
			if !contains(keys, k) {
				keys = append(keys, k)
			}
		}
		batch = append(batch, emRecord(i, keys...))
	}
	// Register in a few batches, and once the same record again (Known:
	// not added twice).
	for i := 0; i < len(batch); i += 70 {
		registerAll(t, ix, batch[i:min(i+70, len(batch))])
	}
	registerAll(t, ix, batch[:1])
	want, biggest := 0, map[uint64]int{}
	for i := range batch {
		for _, k := range batch[i].Blocks {
			biggest[k]++
		}
		for j := range i {
			for _, k := range batch[i].Blocks {
				if contains(batch[j].Blocks, k) {
					want++
					break
				}
			}
		}
	}
	for k, n := range biggest {
		if n > MaxBlock {
			t.Fatalf("block %d has %d members: the test wants no capping", k, n)
		}
	}
	got := candidatePatternsOf(t, ix, 0, 0)
	if len(got) != want {
		t.Errorf("%d candidate patterns, want %d unordered pairs", len(got), want)
	}
	for _, p := range got {
		if p[cmpBSN] != bsnDisagree {
			t.Fatalf("pattern %v: a record compared with itself?", p)
		}
	}
	if n := len(candidatePatternsOf(t, ix, 100, 0)); n != 100 {
		t.Errorf("limit 100: %d patterns", n)
	}
	half := candidatePatternsOf(t, ix, 0, 0.5)
	if len(half) == 0 || len(half) >= len(got) || len(candidatePatternsOf(t, ix, 0, 0.5)) != len(half) {
		t.Errorf("sample 0.5: %d of %d patterns, not repeatable or not a part", len(half), len(got))
	}

	random, err := ix.RandomPatterns(ctx, 1000, rand.New(rand.NewPCG(13, 14)))
	if err != nil {
		t.Fatal(err)
	}
	if len(random) != 1000 {
		t.Errorf("%d random patterns", len(random))
	}
	for _, p := range random {
		if p[cmpBSN] != bsnDisagree {
			t.Fatalf("random pattern %v: a record with itself?", p)
		}
	}
}

func TestCandidatePatternsMaxBlock(t *testing.T) {
	ix := openEMIndex(t)
	const n = 100
	var batch []Encoded
	for i := range n {
		batch = append(batch, emRecord(i, 42))
	}
	registerAll(t, ix, batch)
	// The block's newest MaxBlock members are the last ones registered;
	// each of them meets those older than itself among them.
	want := 0
	for i := range MaxBlock {
		want += i
	}
	if got := len(candidatePatternsOf(t, ix, 0, 0)); got != want {
		t.Errorf("%d candidate patterns, want %d", got, want)
	}
	// Grouped by record: each of the MaxBlock-1 newest records but the
	// oldest of them has one group, holding its pairs with older ones.
	pairs, err := ix.CandidatePairs(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	pairs.Groups(func(g []Pattern) { sizes = append(sizes, len(g)) })
	if len(sizes) != MaxBlock-1 || sizes[0] != 1 || sizes[len(sizes)-1] != MaxBlock-1 {
		t.Errorf("groups of %v; want 1 to %d", sizes, MaxBlock-1)
	}
}

func candidatePatternsOf(t *testing.T, ix *Index, limit int, sample float64) []Pattern {
	t.Helper()
	ps, err := ix.CandidatePatterns(ctx, limit, sample)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}
