// Package em estimates the person index's Fellegi-Sunter model (m and u per
// comparison level) from the agreement patterns of record pairs, by
// expectation maximisation.
//
// See the section below, "Estimating m and u".
package em

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/ttpnl/ttp/server/linkage"
)

// Estimating m and u
//
// Estimate fits the Fellegi-Sunter model to the agreement patterns of record
// pairs by expectation maximisation (EM): the pairs are a mixture of two
// classes, matches (share λ) and non-matches, and within each class the
// comparisons are taken to be independent, with level probabilities m (among
// matches) and u (among non-matches). Level 0 (missing) is no evidence
// either way and is left out of the likelihood, as it weighs nothing in
// Score. The thresholds are not estimated: they are kept from the starting
// model.
//
// Which pairs? EM needs a fair share of matches among its pairs, so it runs
// on the candidate pairs of the index (CandidatePatterns), the pairs that
// share a blocking key. But that makes u hard to estimate: candidate pairs
// are selected for agreeing on something (a birth date and a surname sound,
// a postcode and a house number, a BSN), so among candidate non-matches
// those fields agree far more often than among non-matches in general. EM
// then learns "u among candidate pairs", which understates how strong an
// agreement on a blocking field is, and blocking also breaks the
// independence within the non-match class that EM assumes. The usual
// remedy (Splink's) is followed by EstimateU and EstimateM: u is counted
// directly on random record pairs, which are almost all non-matches, and
// EM then estimates only m and λ with u held fixed. The command
// `ttpeval -estimate` does that by default.

// Probabilities are kept within [emMinProb, 1-emMinProb], so that no weight
// becomes infinite; EM stops when no parameter moves by more than
// emTolerance in an iteration.
const (
	emMinProb   = 1e-9
	emTolerance = 1e-6
)

// Report describes an EM run.
type Report struct {
	Pairs         int     // patterns used
	Distinct      int     // distinct patterns among them
	Iterations    int     // EM iterations run
	Converged     bool    // no parameter moved by more than 1e-6 in the last iteration
	FixedU        bool    // u was held fixed (EstimateM)
	StartLambda   float64 // λ at the start (the starting model's share of likely links)
	Lambda        float64 // estimated share of matches among the pairs
	LogLikelihood float64 // natural log-likelihood of the pairs under the estimate
}

// Estimate estimates λ, m and u from the patterns of record pairs by EM,
// starting from start's m and u (and an initial λ: the share of patterns
// that start scores at or above the middle of its thresholds). It stops
// when converged or after iterations (default 500 when ≤ 0). The result
// keeps start's thresholds. See EstimateM for the variant with u fixed,
// which is the better choice on candidate pairs.
func Estimate(patterns []linkage.Pattern, start *linkage.Model, iterations int) (*linkage.Model, Report, error) {
	return estimate(patterns, start, iterations, false)
}

// EstimateM is Estimate with u held at start's values: only m and λ are
// estimated. Use it with u from random pairs (EstimateU).
func EstimateM(patterns []linkage.Pattern, start *linkage.Model, iterations int) (*linkage.Model, Report, error) {
	return estimate(patterns, start, iterations, true)
}

// patternCount is a distinct pattern and how often it occurs.
type patternCount struct {
	p linkage.Pattern
	n float64
}

// aggregate counts the distinct patterns (there are at most
// 3·5·5·5·3·4·3 = 27,000), in a fixed order so that sums are reproducible.
func aggregate(patterns []linkage.Pattern) ([]patternCount, error) {
	counts := map[linkage.Pattern]int{}
	for _, p := range patterns {
		counts[p]++
	}
	out := make([]patternCount, 0, len(counts))
	for p, n := range counts {
		for c, l := range p {
			if int(l) >= linkage.Levels(c) {
				return nil, fmt.Errorf("linkage estimate: %s level %d out of range", linkage.ComparisonNames()[c], l)
			}
		}
		out = append(out, patternCount{p, float64(n)})
	}
	slices.SortFunc(out, func(a, b patternCount) int { return bytes.Compare(a.p[:], b.p[:]) })
	return out, nil
}

func clampProb(x float64) float64 { return min(max(x, emMinProb), 1-emMinProb) }

// emParams are the parameters of the mixture.
type emParams struct {
	lambda float64
	m, u   [linkage.NumComparisons][linkage.MaxLevels]float64
}

// logLikelihood returns, for one pattern, log(λ·P(p|M)) and
// log((1-λ)·P(p|U)), missing comparisons left out.
func (e *emParams) logJoint(logM, logU *[linkage.NumComparisons][linkage.MaxLevels]float64, p linkage.Pattern) (lm, lu float64) {
	lm, lu = math.Log(e.lambda), math.Log1p(-e.lambda)
	for c, l := range p {
		if l > 0 {
			lm += logM[c][l]
			lu += logU[c][l]
		}
	}
	return lm, lu
}

func (e *emParams) logs() (logM, logU [linkage.NumComparisons][linkage.MaxLevels]float64) {
	for c := range linkage.NumComparisons {
		for l := 1; l < linkage.Levels(c); l++ {
			logM[c][l], logU[c][l] = math.Log(e.m[c][l]), math.Log(e.u[c][l])
		}
	}
	return
}

// logSumExp2 is log(exp(a) + exp(b)).
func logSumExp2(a, b float64) float64 {
	hi, lo := max(a, b), min(a, b)
	return hi + math.Log1p(math.Exp(lo-hi))
}

func estimate(patterns []linkage.Pattern, start *linkage.Model, iterations int, fixU bool) (*linkage.Model, Report, error) {
	rep := Report{Pairs: len(patterns), FixedU: fixU}
	if start == nil {
		start = linkage.DefaultModel()
	}
	if iterations <= 0 {
		iterations = 500
	}
	if len(patterns) == 0 {
		return nil, rep, errors.New("linkage estimate: no record pairs")
	}
	counts, err := aggregate(patterns)
	if err != nil {
		return nil, rep, err
	}
	rep.Distinct = len(counts)
	total := float64(len(patterns))

	var e emParams
	for c := range linkage.NumComparisons {
		for l := 1; l < linkage.Levels(c); l++ {
			e.m[c][l], e.u[c][l] = clampProb(start.MU[c][l].M), clampProb(start.MU[c][l].U)
		}
	}
	// λ to start with: the share of pairs the starting model would link or
	// nearly so.
	mid := (start.Upper + start.Lower) / 2
	var likely float64
	for _, pc := range counts {
		if start.Score(pc.p) >= mid {
			likely += pc.n
		}
	}
	e.lambda = min(max(likely/total, 1e-4), 1-1e-4)
	rep.StartLambda = e.lambda

	for rep.Iterations < iterations {
		rep.Iterations++
		logM, logU := e.logs()
		// E step: the posterior probability g that a pattern is a match,
		// summed into expected level counts per class.
		var mCount, uCount [linkage.NumComparisons][linkage.MaxLevels]float64
		var matches float64
		for _, pc := range counts {
			lm, lu := e.logJoint(&logM, &logU, pc.p)
			g := math.Exp(lm - logSumExp2(lm, lu))
			matches += pc.n * g
			for c, l := range pc.p {
				if l > 0 {
					mCount[c][l] += pc.n * g
					uCount[c][l] += pc.n * (1 - g)
				}
			}
		}
		// M step.
		next := e
		next.lambda = clampProb(matches / total)
		for c := range linkage.NumComparisons {
			update(&next.m[c], &mCount[c], linkage.Levels(c))
			if !fixU {
				update(&next.u[c], &uCount[c], linkage.Levels(c))
			}
		}
		change := math.Abs(next.lambda - e.lambda)
		for c := range linkage.NumComparisons {
			for l := 1; l < linkage.Levels(c); l++ {
				change = max(change, math.Abs(next.m[c][l]-e.m[c][l]), math.Abs(next.u[c][l]-e.u[c][l]))
			}
		}
		e = next
		if change < emTolerance {
			rep.Converged = true
			break
		}
	}
	logM, logU := e.logs()
	for _, pc := range counts {
		lm, lu := e.logJoint(&logM, &logU, pc.p)
		rep.LogLikelihood += pc.n * logSumExp2(lm, lu)
	}
	rep.Lambda = e.lambda

	// EM does not know which class is which; it starts from start's
	// labelling and keeps it in practice, but if the "matches" agree less
	// often than the "non-matches" on most comparisons, something went
	// wrong (too few matches among the pairs, say).
	agreeMore := 0
	for c := range linkage.NumComparisons {
		if e.m[c][1] > e.u[c][1] {
			agreeMore++
		}
	}
	if 2*agreeMore <= int(linkage.NumComparisons) {
		return nil, rep, fmt.Errorf("linkage estimate: the estimated matches agree less often than the non-matches on %d of %d comparisons; too few matches among the pairs?", int(linkage.NumComparisons)-agreeMore, linkage.NumComparisons)
	}
	out := &linkage.Model{Upper: start.Upper, Lower: start.Lower}
	for c := range linkage.NumComparisons {
		for l := 1; l < linkage.Levels(c); l++ {
			out.MU[c][l] = linkage.MU{M: e.m[c][l], U: e.u[c][l]}
		}
	}
	if err := out.Prepare(); err != nil {
		return nil, rep, err
	}
	return out, rep, nil
}

// update sets probs to the normalised counts of levels 1..n-1; a
// comparison never present keeps its probabilities.
func update(probs, counts *[linkage.MaxLevels]float64, n int) {
	var sum float64
	for l := 1; l < n; l++ {
		sum += counts[l]
	}
	if sum <= 0 {
		return
	}
	for l := 1; l < n; l++ {
		probs[l] = clampProb(counts[l] / sum)
	}
}

// MinUPairs is how many random pairs must have a comparison present for
// UFromPatterns to estimate its u; with fewer it keeps the starting u. The
// house number, compared only within one postcode, is present in a handful
// of a million random pairs, and keeps its u that way.
const MinUPairs = 1000

// UFromPatterns returns start with u replaced by the level frequencies
// among random pairs (RandomPatterns), which are almost all non-matches. A
// comparison present in fewer than MinUPairs pairs keeps start's u; a level
// never seen gets the smaller of start's u and 1/(pairs where the comparison
// is present): the sample cannot tell values below that apart. (BSN
// agreement, for one, is rarer among non-matches than any practical sample
// resolves.)
func UFromPatterns(random []linkage.Pattern, start *linkage.Model) (*linkage.Model, error) {
	if start == nil {
		start = linkage.DefaultModel()
	}
	var counts [linkage.NumComparisons][linkage.MaxLevels]float64
	for _, p := range random {
		for c, l := range p {
			if int(l) >= linkage.Levels(c) {
				return nil, fmt.Errorf("linkage estimate: %s level %d out of range", linkage.ComparisonNames()[c], l)
			}
			counts[c][l]++
		}
	}
	out := &linkage.Model{MU: start.MU, Upper: start.Upper, Lower: start.Lower}
	for c := range linkage.NumComparisons {
		var present float64
		for l := 1; l < linkage.Levels(c); l++ {
			present += counts[c][l]
		}
		if present < MinUPairs {
			continue
		}
		for l := 1; l < linkage.Levels(c); l++ {
			u := counts[c][l] / present
			if counts[c][l] == 0 {
				u = min(start.MU[c][l].U, 1/present)
			}
			out.MU[c][l].U = clampProb(u)
		}
	}
	if err := out.Prepare(); err != nil {
		return nil, err
	}
	return out, nil
}

// EstimateU returns start with u estimated from randomPairs random pairs of
// the index's records (see RandomPatterns and UFromPatterns).
func EstimateU(ctx context.Context, ix *linkage.Index, start *linkage.Model, randomPairs int, rng *rand.Rand) (*linkage.Model, error) {
	random, err := ix.RandomPatterns(ctx, randomPairs, rng)
	if err != nil {
		return nil, err
	}
	if len(random) == 0 {
		return nil, errors.New("linkage estimate: no random pairs (fewer than two persons in the index?)")
	}
	return UFromPatterns(random, start)
}

// CombineMU returns a model with m from mFrom, u and thresholds from uFrom:
// for instance m from Estimate on the candidate pairs (where the non-match
// class absorbs the candidate non-matches, so m stays clean) with u from
// random pairs (UFromPatterns, on the scale the thresholds expect).
func CombineMU(mFrom, uFrom *linkage.Model) (*linkage.Model, error) {
	out := &linkage.Model{MU: uFrom.MU, Upper: uFrom.Upper, Lower: uFrom.Lower}
	for c := range linkage.NumComparisons {
		for l := 1; l < linkage.Levels(c); l++ {
			out.MU[c][l].M = mFrom.MU[c][l].M
		}
	}
	if err := out.Prepare(); err != nil {
		return nil, err
	}
	return out, nil
}
