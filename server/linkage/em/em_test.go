package em

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ttpnl/ttp/server/linkage"
)

// The comparisons, by their names in model files.
var (
	cmpBSN      = comparison("bsn")
	cmpFamily   = comparison("family_name")
	cmpFirst    = comparison("given_name")
	cmpBirth    = comparison("birth_date")
	cmpSex      = comparison("sex")
	cmpPostcode = comparison("postcode")
	cmpHouse    = comparison("house_number")
)

func comparison(name string) int { return slices.Index(linkage.ComparisonNames(), name) }

// levelName is the name of level l (≥ 1) of comparison c.
func levelName(c, l int) string { return linkage.LevelNames(linkage.ComparisonNames()[c])[l-1] }

// emTruth is a known two-class model to draw patterns from.
type emTruth struct {
	lambda float64
	m, u   [linkage.NumComparisons][]float64 // levels 1.. (index 0 is level 1)
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
func (t *emTruth) draw(rng *rand.Rand, n int, missing float64) ([]linkage.Pattern, []bool) {
	out := make([]linkage.Pattern, n)
	match := make([]bool, n)
	for i := range out {
		match[i] = rng.Float64() < t.lambda
		for c := range linkage.NumComparisons {
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

func (t *emTruth) checkM(tb testing.TB, got *linkage.Model, tol float64) {
	tb.Helper()
	for c := range linkage.NumComparisons {
		for l, want := range t.m[c] {
			if d := math.Abs(got.MU[c][l+1].M - want); d > tol {
				tb.Errorf("m %s/%s = %.4f, want %.4f", linkage.ComparisonNames()[c], levelName(c, l+1), got.MU[c][l+1].M, want)
			}
		}
	}
}

func (t *emTruth) checkU(tb testing.TB, got *linkage.Model, tol float64) {
	tb.Helper()
	for c := range linkage.NumComparisons {
		for l, want := range t.u[c] {
			if d := math.Abs(got.MU[c][l+1].U - want); d > tol {
				tb.Errorf("u %s/%s = %.4f, want %.4f", linkage.ComparisonNames()[c], levelName(c, l+1), got.MU[c][l+1].U, want)
			}
		}
	}
}

// trueUModel is the default model with u set to the truth's.
func (t *emTruth) trueUModel(tb testing.TB) *linkage.Model {
	m := linkage.DefaultModel()
	for c := range linkage.NumComparisons {
		for l, u := range t.u[c] {
			m.MU[c][l+1].U = u
		}
	}
	if err := m.Prepare(); err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestEstimateRecoversModel(t *testing.T) {
	tr := knownTruth()
	patterns, _ := tr.draw(rand.New(rand.NewPCG(1, 2)), 200_000, 0.05)
	got, rep, err := Estimate(patterns, linkage.DefaultModel(), 0)
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
	def := linkage.DefaultModel()
	if got.Upper != def.Upper || got.Lower != def.Lower {
		t.Errorf("thresholds %v/%v, want the start's", got.Upper, got.Lower)
	}
	// EM never lowers the likelihood: one iteration is no better than all.
	_, one, err := Estimate(patterns, linkage.DefaultModel(), 1)
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
	w := func(c, l int) float64 { return math.Log2(got.MU[c][l].M / got.MU[c][l].U) }
	order := func(c int, levels ...int) {
		for i := 1; i < len(levels); i++ {
			a, b := levels[i-1], levels[i]
			if w(c, a) <= w(c, b) {
				t.Errorf("%s: weight of %s (%.2f) not above %s (%.2f)", linkage.ComparisonNames()[c],
					levelName(c, a), w(c, a), levelName(c, b), w(c, b))
			}
		}
	}
	order(cmpBSN, 1, 2)
	order(cmpFamily, 1, 2, 4)
	order(cmpFirst, 1, 2, 4)
	order(cmpBirth, 1, 3, 4)
	order(cmpPostcode, 1, 2, 3)
	order(cmpHouse, 1, 2)
	if s := got.Score(linkage.Pattern{}); s != 0 {
		t.Errorf("a pattern of missing values scores %v", s)
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
	for c := range linkage.NumComparisons {
		for l := 1; l < linkage.Levels(c); l++ {
			if got.MU[c][l].U != start.MU[c][l].U {
				t.Errorf("u %s/%s moved: %v → %v", linkage.ComparisonNames()[c], levelName(c, l), start.MU[c][l].U, got.MU[c][l].U)
			}
		}
	}
	// The estimate is a valid model, and survives its JSON form.
	raw, err := got.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := linkage.ParseModel(raw)
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
	var outOfRange linkage.Pattern
	outOfRange[cmpBSN] = uint8(linkage.Levels(cmpBSN))
	if _, _, err := Estimate([]linkage.Pattern{outOfRange}, nil, 0); err == nil {
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
	def := linkage.DefaultModel()
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
	for c := range linkage.NumComparisons {
		for l := 1; l < linkage.Levels(c); l++ {
			if got.MU[c][l].M != def.MU[c][l].M {
				t.Errorf("m %s/%s changed", linkage.ComparisonNames()[c], levelName(c, l))
			}
		}
	}
	h, err := CombineMU(got, def)
	if err != nil {
		t.Fatal(err)
	}
	if h.MU[cmpFamily][1] != (linkage.MU{M: def.MU[cmpFamily][1].M, U: def.MU[cmpFamily][1].U}) {
		t.Errorf("CombineMU: %v", h.MU[cmpFamily][1])
	}
}
