package linkage

import (
	"strings"
	"testing"
)

// Patterns for the estimate's tests: BSN level set by with.
var (
	identityAtAddress = Pattern{cmpFamily: familyExact, cmpFirst: firstExact, cmpBirth: birthExact, cmpPostcode: postcodeExact, cmpHouse: houseAgree}
	bothNamesOther    = Pattern{cmpFamily: familyDisagree, cmpFirst: firstDisagree, cmpBirth: birthExact, cmpPostcode: postcodeExact, cmpHouse: houseAgree}
	fatherAndSon      = Pattern{cmpFamily: familyExact, cmpFirst: firstExact, cmpBirth: birthDisagree, cmpPostcode: postcodeExact, cmpHouse: houseAgree, cmpSex: sexAgree}
)

func with(p Pattern, bsn uint8) Pattern {
	p[cmpBSN] = bsn
	return p
}

// eachOwnRecord groups patterns as pairs of as many records.
func eachOwnRecord(ps []Pattern) CandidatePairs {
	c := CandidatePairs{Patterns: ps}
	for i := range ps {
		c.Starts = append(c.Starts, i)
	}
	return c
}

// repeat appends n copies of p.
func repeat(out []Pattern, p Pattern, n int) []Pattern {
	for range n {
		out = append(out, p)
	}
	return out
}

// TestEstimateOtherBSN: where one person's records often carry two valid
// BSNs (measured on the whole identity), a pattern that one person
// explains goes to a clerk instead of being a new person; one that
// look-alikes explain (many pairs with two BSNs, few with one) stays new.
func TestEstimateOtherBSN(t *testing.T) {
	m := DefaultModel()
	var ps []Pattern
	ps = repeat(ps, with(identityAtAddress, bsnAgree), 200)
	ps = repeat(ps, with(identityAtAddress, bsnDisagree), 20) // r = 0.1
	ps = repeat(ps, with(bothNamesOther, bsnAgree), 100)
	ps = repeat(ps, with(bothNamesOther, bsnDisagree), 10) // one person explains 10 of 10
	ps = repeat(ps, with(fatherAndSon, bsnAgree), 2)
	ps = repeat(ps, with(fatherAndSon, bsnDisagree), 50) // one person explains 0.2 of 50
	est := EstimateOtherBSN(eachOwnRecord(ps), m)
	if est.IdentityPairs != 220 || est.Replaced != 0.1 {
		t.Fatalf("identity pairs %d, replaced %v; want 220, 0.1", est.IdentityPairs, est.Replaced)
	}
	if len(est.Review) != 1 || est.Review[0].Pattern != bothNamesOther || est.Review[0].Pairs != 10 || est.Review[0].Agreeing != 100 {
		t.Fatalf("review %+v; want both names other alone", est.Review)
	}
	before := m.Score(with(bothNamesOther, bsnDisagree))
	if before >= m.Lower {
		t.Fatalf("both names other with two BSNs scores %.1f without the estimate; want a new person", before)
	}
	adapted := *m
	adapted.SetOtherBSN(est)
	if s := adapted.Score(with(bothNamesOther, bsnDisagree)); s < m.Lower || s >= m.Upper {
		t.Errorf("both names other with two BSNs scores %.1f with the estimate; want a review", s)
	}
	if s := adapted.Score(with(fatherAndSon, bsnDisagree)); s >= m.Lower {
		t.Errorf("father and son with two BSNs scores %.1f; want a new person", s)
	}
	if a, b := m.Score(with(bothNamesOther, 0)), adapted.Score(with(bothNamesOther, 0)); a != b {
		t.Errorf("without BSNs the estimate changed a score: %.1f → %.1f", a, b)
	}
}

// TestEstimateOtherBSNNeedsEvidence: a space with few pairs of a whole
// identity with two valid BSNs, or none of them with two different ones
// (data whose BSNs are not replaced), gives an empty estimate.
func TestEstimateOtherBSNNeedsEvidence(t *testing.T) {
	var small []Pattern
	small = repeat(small, with(identityAtAddress, bsnAgree), 60)
	small = repeat(small, with(identityAtAddress, bsnDisagree), 30)
	small = repeat(small, with(bothNamesOther, bsnAgree), 50)
	small = repeat(small, with(bothNamesOther, bsnDisagree), 1)
	if est := EstimateOtherBSN(eachOwnRecord(small), DefaultModel()); est.Replaced != 0 || len(est.Review) != 0 {
		t.Errorf("90 identity pairs: %+v; want no estimate", est)
	}
	var clean []Pattern
	clean = repeat(clean, with(identityAtAddress, bsnAgree), 5000)
	clean = repeat(clean, with(bothNamesOther, bsnAgree), 50)
	clean = repeat(clean, with(bothNamesOther, bsnDisagree), 1)
	if est := EstimateOtherBSN(eachOwnRecord(clean), DefaultModel()); est.Replaced != 0 || len(est.Review) != 0 {
		t.Errorf("no replaced BSN: %+v; want no pattern", est)
	}
}

// TestOtherBSNHostileBroker: a broker who registers one made-up identity
// under thousands of valid BSNs raises the measured share of replaced BSNs
// only to its cap, adds no pattern that has no pairs with one BSN, and
// cannot turn look-alikes into review items without also registering
// thousands of pairs of them under one BSN; and a copy of a record counts
// once, however many older copies it pairs with. And whatever an estimate
// lists (a model file can list anything), nothing with two different
// valid BSNs links through it that did not link before (everything but
// the BSN agreeing at one address does, by design): the most it gives is a
// review.
func TestOtherBSNHostileBroker(t *testing.T) {
	m := DefaultModel()
	var ps []Pattern
	ps = repeat(ps, with(identityAtAddress, bsnAgree), 1000)
	ps = repeat(ps, with(identityAtAddress, bsnDisagree), 100_000)
	ps = repeat(ps, with(bothNamesOther, bsnDisagree), 500) // look-alikes, none with one BSN
	ps = repeat(ps, with(fatherAndSon, bsnAgree), 10)
	ps = repeat(ps, with(fatherAndSon, bsnDisagree), 600) // fathers and sons
	est := EstimateOtherBSN(eachOwnRecord(ps), m)
	if est.Replaced != maxReplacedBSN {
		t.Errorf("replaced %v; want the cap %v", est.Replaced, maxReplacedBSN)
	}
	if len(est.Review) != 0 {
		t.Errorf("review %+v; want none", est.Review)
	}

	// Many copies of one made-up identity under other BSNs, each pairing
	// with up to MaxBlock older copies: each copy counts once.
	copies := eachOwnRecord(repeat(nil, with(identityAtAddress, bsnAgree), 1000))
	for i := 1; i < 200; i++ {
		copies.Starts = append(copies.Starts, len(copies.Patterns))
		copies.Patterns = repeat(copies.Patterns, with(identityAtAddress, bsnDisagree), min(i, MaxBlock))
	}
	if est := EstimateOtherBSN(copies, m); est.IdentityPairs != 1199 || est.Replaced != 0.199 {
		t.Errorf("200 copies: %d records of an identity, replaced %v; want 1199, 0.199 (each copy once)", est.IdentityPairs, est.Replaced)
	}

	var every OtherBSN
	for p := range allPatterns(bsnDisagree) {
		every.Review = append(every.Review, OtherBSNPattern{Pattern: withoutBSN(p)})
	}
	adapted := *m
	adapted.SetOtherBSN(&every)
	for p := range allPatterns(bsnDisagree) {
		before, after := m.Score(p), adapted.Score(p)
		switch {
		case before >= m.Lower && after != before:
			t.Fatalf("%v: a review or link %.1f became %.1f; the estimate only changes new persons", p, before, after)
		case before < m.Lower && after >= m.Upper:
			t.Fatalf("%v scores %.1f with every pattern in the estimate; two valid BSNs must not link through it", p, after)
		}
	}
}

// allPatterns yields every pattern with the given BSN level.
func allPatterns(bsn uint8) func(func(Pattern) bool) {
	return func(yield func(Pattern) bool) {
		var p Pattern
		p[cmpBSN] = bsn
		var rec func(c int) bool
		rec = func(c int) bool {
			if c == numComparisons {
				return yield(p)
			}
			if c == cmpBSN {
				return rec(c + 1)
			}
			for l := range Levels(c) {
				p[c] = uint8(l)
				if !rec(c + 1) {
					return false
				}
			}
			return true
		}
		rec(0)
	}
}

// TestOtherBSNModelJSON: an estimate is stored with its model and read
// back the same; a level it does not know is an error.
func TestOtherBSNModelJSON(t *testing.T) {
	m := DefaultModel()
	m.SetOtherBSN(&OtherBSN{IdentityPairs: 1096, Replaced: 0.0787, Review: []OtherBSNPattern{{Pattern: bothNamesOther, Pairs: 13, Agreeing: 115}}})
	raw, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseModel(raw)
	if err != nil {
		t.Fatal(err)
	}
	got := back.OtherBSN
	if got == nil || got.IdentityPairs != 1096 || got.Replaced != 0.0787 || len(got.Review) != 1 || got.Review[0] != m.OtherBSN.Review[0] {
		t.Fatalf("read back %+v; want %+v", got, m.OtherBSN)
	}
	if !back.otherBSNReview(with(bothNamesOther, bsnDisagree)) {
		t.Error("the pattern read back does not go to a clerk")
	}
	if _, err := ParseModel([]byte(`{"other_bsn": {"review": [{"pattern": {"family_name": "nearly"}}]}}`)); err == nil {
		t.Error("an unknown level was read")
	}
	if _, err := ParseModel([]byte(`{"other_bsn": {"review": [{"pattern": {"bsn": "agree"}}]}}`)); err == nil {
		t.Error("a pattern with a BSN level was read")
	}
}

// TestPatternLevels: a pattern is shown by its levels' names, missing ones
// left out.
func TestPatternLevels(t *testing.T) {
	got := strings.Join(with(bothNamesOther, bsnDisagree).Levels(), " ")
	want := "bsn=disagree family_name=disagree given_name=disagree birth_date=exact postcode=exact house_number=agree"
	if got != want {
		t.Errorf("levels %q, want %q", got, want)
	}
}
