package linkage

import (
	"math"
	"math/rand/v2"
	"testing"
)

// emTruth is a known two-class model to draw patterns from.
type emTruth struct {
	lambda float64
	m, u   [numComparisons][]float64 // levels 1.. (index 0 is level 1)
}

func knownTruth() emTruth {
	var t emTruth
	t.lambda = 0.3
	set := func(c int, m, u []float64) { t.m[c], t.u[c] = m, u }
	set(cmpBSN, []float64{0.97, 0.03}, []float64{0.01, 0.99})
	set(cmpFamily, []float64{0.85, 0.08, 0.04, 0.03}, []float64{0.05, 0.05, 0.10, 0.80})
	set(cmpFirst, []float64{0.80, 0.06, 0.09, 0.05}, []float64{0.05, 0.02, 0.08, 0.85})
	set(cmpBirth, []float64{0.90, 0.02, 0.05, 0.03}, []float64{0.02, 0.01, 0.07, 0.90})
	set(cmpSex, []float64{0.98, 0.02}, []float64{0.5, 0.5})
	set(cmpPostcode, []float64{0.80, 0.10, 0.10}, []float64{0.05, 0.10, 0.85})
	set(cmpHouse, []float64{0.90, 0.10}, []float64{0.20, 0.80})
	return t
}

// draw samples n patterns; each comparison is missing (level 0) with
// probability missing. It also returns the true class of each.
func (t *emTruth) draw(rng *rand.Rand, n int, missing float64) ([]Pattern, []bool) {
	out := make([]Pattern, n)
	match := make([]bool, n)
	for i := range out {
		match[i] = rng.Float64() < t.lambda
		for c := range numComparisons {
			if rng.Float64() < missing {
				continue
			}
			probs := t.u[c]
			if match[i] {
				probs = t.m[c]
			}
			x, l := rng.Float64(), 0
			for l < len(probs)-1 && x >= probs[l] {
				x -= probs[l]
				l++
			}
			out[i][c] = uint8(l + 1)
		}
	}
	return out, match
}

func (t *emTruth) checkM(tb testing.TB, got *Model, tol float64) {
	tb.Helper()
	for c := range numComparisons {
		for l, want := range t.m[c] {
			if d := math.Abs(got.MU[c][l+1].M - want); d > tol {
				tb.Errorf("m %s/%s = %.4f, want %.4f", comparisonNames[c], levelNames[c][l+1], got.MU[c][l+1].M, want)
			}
		}
	}
}

func (t *emTruth) checkU(tb testing.TB, got *Model, tol float64) {
	tb.Helper()
	for c := range numComparisons {
		for l, want := range t.u[c] {
			if d := math.Abs(got.MU[c][l+1].U - want); d > tol {
				tb.Errorf("u %s/%s = %.4f, want %.4f", comparisonNames[c], levelNames[c][l+1], got.MU[c][l+1].U, want)
			}
		}
	}
}

// trueUModel is the default model with u set to the truth's.
func (t *emTruth) trueUModel(tb testing.TB) *Model {
	m := DefaultModel()
	for c := range numComparisons {
		for l, u := range t.u[c] {
			m.MU[c][l+1].U = u
		}
	}
	if err := m.prepare(); err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestEstimateRecoversModel(t *testing.T) {
	tr := knownTruth()
	patterns, _ := tr.draw(rand.New(rand.NewPCG(1, 2)), 200_000, 0.05)
	got, rep, err := Estimate(patterns, DefaultModel(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	if !rep.Converged || rep.Iterations < 2 {
		t.Errorf("not converged: %+v", rep)
	}
	if rep.Pairs != len(patterns) || rep.Distinct > 3*5*5*5*3*4*3 || rep.Distinct < 100 {
		t.Errorf("pairs %d distinct %d", rep.Pairs, rep.Distinct)
	}
	if math.Abs(rep.Lambda-tr.lambda) > 0.01 {
		t.Errorf("λ = %.4f, want %.2f", rep.Lambda, tr.lambda)
	}
	tr.checkM(t, got, 0.02)
	tr.checkU(t, got, 0.02)
	def := DefaultModel()
	if got.Upper != def.Upper || got.Lower != def.Lower {
		t.Errorf("thresholds %v/%v, want the start's", got.Upper, got.Lower)
	}
	// EM never lowers the likelihood: one iteration is no better than all.
	_, one, err := Estimate(patterns, DefaultModel(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if one.Converged || one.Iterations != 1 || one.LogLikelihood > rep.LogLikelihood {
		t.Errorf("one iteration: %+v; converged: %+v", one, rep)
	}
	if math.IsNaN(rep.LogLikelihood) || rep.LogLikelihood >= 0 {
		t.Errorf("log-likelihood %v", rep.LogLikelihood)
	}

	// The weights order the levels sensibly.
	w := got.weights
	order := func(c int, levels ...int) {
		for i := 1; i < len(levels); i++ {
			if w[c][levels[i-1]] <= w[c][levels[i]] {
				t.Errorf("%s: weight of %s (%.2f) not above %s (%.2f)", comparisonNames[c],
					levelNames[c][levels[i-1]], w[c][levels[i-1]], levelNames[c][levels[i]], w[c][levels[i]])
			}
		}
	}
	order(cmpBSN, 1, 2)
	order(cmpFamily, 1, 2, 4)
	order(cmpFirst, 1, 2, 4)
	order(cmpBirth, 1, 3, 4)
	order(cmpPostcode, 1, 2, 3)
	order(cmpHouse, 1, 2)
	for c := range numComparisons {
		if w[c][0] != 0 {
			t.Errorf("%s: missing weighs %v", comparisonNames[c], w[c][0])
		}
	}
}

func TestEstimateMFixedU(t *testing.T) {
	tr := knownTruth()
	patterns, _ := tr.draw(rand.New(rand.NewPCG(3, 4)), 200_000, 0.05)
	start := tr.trueUModel(t)
	got, rep, err := EstimateM(patterns, start, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Converged || !rep.FixedU {
		t.Errorf("report %+v", rep)
	}
	if math.Abs(rep.Lambda-tr.lambda) > 0.01 {
		t.Errorf("λ = %.4f, want %.2f", rep.Lambda, tr.lambda)
	}
	tr.checkM(t, got, 0.02)
	for c := range numComparisons {
		for l := 1; l < len(levelNames[c]); l++ {
			if got.MU[c][l].U != start.MU[c][l].U {
				t.Errorf("u %s/%s moved: %v → %v", comparisonNames[c], levelNames[c][l], start.MU[c][l].U, got.MU[c][l].U)
			}
		}
	}
	// The estimate is a valid model, and survives its JSON form.
	raw, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseModel(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.MU != got.MU {
		t.Error("JSON round trip changed the model")
	}
}

func TestEstimateErrors(t *testing.T) {
	if _, _, err := Estimate(nil, nil, 0); err == nil {
		t.Error("no patterns: no error")
	}
	if _, _, err := Estimate([]Pattern{{cmpBSN: 3}}, nil, 0); err == nil {
		t.Error("level out of range: no error")
	}
}

func TestUFromPatterns(t *testing.T) {
	tr := knownTruth()
	tr.lambda = 0
	random, _ := tr.draw(rand.New(rand.NewPCG(7, 8)), 100_000, 0.1)
	// House numbers: present in too few pairs to count.
	for i := MinUPairs / 2; i < len(random); i++ {
		random[i][cmpHouse] = 0
	}
	// No pair agrees on the BSN.
	for i := range random {
		if random[i][cmpBSN] == 1 {
			random[i][cmpBSN] = 2
		}
	}
	def := DefaultModel()
	got, err := UFromPatterns(random, def)
	if err != nil {
		t.Fatal(err)
	}
	tr.u[cmpBSN] = []float64{def.MU[cmpBSN][1].U, 1}
	tr.u[cmpHouse] = []float64{def.MU[cmpHouse][1].U, def.MU[cmpHouse][2].U}
	tr.checkU(t, got, 0.01)
	if got.MU[cmpBSN][1].U != def.MU[cmpBSN][1].U {
		t.Errorf("unseen BSN agreement: u %v, want the default's", got.MU[cmpBSN][1].U)
	}
	for c := range numComparisons {
		for l := 1; l < len(levelNames[c]); l++ {
			if got.MU[c][l].M != def.MU[c][l].M {
				t.Errorf("m %s/%s changed", comparisonNames[c], levelNames[c][l])
			}
		}
	}
	h, err := CombineMU(got, def)
	if err != nil {
		t.Fatal(err)
	}
	if h.MU[cmpFamily][1] != (MU{def.MU[cmpFamily][1].M, def.MU[cmpFamily][1].U}) {
		t.Errorf("CombineMU: %v", h.MU[cmpFamily][1])
	}
}

// openEMIndex opens an empty index on a temporary store.
func openEMIndex(t *testing.T) *Index {
	t.Helper()
	db := openStore(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	return Open(db, DefaultModel(), rand.NewChaCha8([32]byte{9}))
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
}

func candidatePatternsOf(t *testing.T, ix *Index, limit int, sample float64) []Pattern {
	t.Helper()
	ps, err := ix.CandidatePatterns(ctx, limit, sample)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}
