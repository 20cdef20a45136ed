package linkage

import (
	"math"
	"slices"
)

// Two different valid BSNs are two persons, unless the linkage space's own
// records say otherwise. A BSN carries a check digit, so a typo seldom
// gives another valid number; but some data replaces a whole identifier by
// another valid one (the FEBRL sets do, for one pair of a person's records
// in thirteen), and then a pair with two valid BSNs that also has one more
// field wrong (both names other at one address; the name at one address
// with another birth date) is as often one person as not. The guards make
// such pairs new persons, since on data whose BSNs are seldom replaced
// they are nearly all look-alikes: twins, a father and son, a household.
//
// Which it is can be estimated on the space's candidate pairs without any
// ground truth, by the assumption Fellegi-Sunter rests on: among pairs of
// one person, a field goes wrong independently of the others. Then the
// share of one person's pairs with a replaced BSN, r, is measured where
// the rest of the identity says "one person" beyond doubt (family name,
// given name, birth date, postcode and house number all exact: twins
// differ in their given names), as the pairs with two valid BSNs against
// those with the BSN agreeing. For any other pattern q of the other
// fields, one person's pairs with q and the BSN agreeing, times r, is how
// many of q's pairs with two valid BSNs one person explains; the rest are
// look-alikes. Where one person explains at least half of them, q goes to
// a clerk instead of being a new person. Nothing is linked by it.
//
// A hostile broker could inflate r by registering one made-up identity
// under many valid BSNs, and the agreeing count of a pattern by
// registering pairs of it under one BSN. Both are bounded: a record counts
// once, however many copies of it were registered before it (MaxBlock
// would let each of k copies pair with 64 others), r is capped
// (maxReplacedBSN), a pattern needs pairs with the BSN agreeing to count
// (so a flood of other-BSN pairs alone adds nothing), the estimate only
// ever sends pairs to a clerk (never links them), and it is used only once
// an operator, who sees every pattern with its counts, activates it.

// OtherBSN is a linkage space's estimate of the patterns with two different
// valid BSNs that are one person often enough to go to a clerk. Its counts
// are of records, each counted once per pattern and BSN level with the
// older records it was a candidate pair with.
type OtherBSN struct {
	// IdentityPairs counts the records with the whole identity agreeing
	// with an older record and two valid BSNs; Replaced is the share r
	// estimated on them (with two different BSNs against with one), at
	// most maxReplacedBSN.
	IdentityPairs int
	Replaced      float64
	Review        []OtherBSNPattern
}

// OtherBSNPattern is one pattern of the fields but the BSN (level 0 there)
// that goes to a clerk with two different valid BSNs: Pairs records showed
// it with an older record with two different valid BSNs, Agreeing with
// the BSN agreeing.
type OtherBSNPattern struct {
	Pattern  Pattern
	Pairs    int
	Agreeing int
}

const (
	// minIdentityPairs: fewer pairs of a whole identity with two valid
	// BSNs do not measure r; the estimate is then empty.
	minIdentityPairs = 100
	// maxReplacedBSN caps r. A BSN replaced by another valid one in more
	// than a quarter of one person's pairs is no registry's data; above
	// it, someone is sending such pairs on purpose.
	maxReplacedBSN = 0.25
	// reviewShare is the share of a pattern's pairs one person must
	// explain for the pattern to go to a clerk.
	reviewShare = 0.5
)

// EstimateOtherBSN estimates, on candidate pairs (Index.CandidatePairs),
// which patterns with two different valid BSNs go to a clerk under m,
// instead of being new persons as m's guards make them. It never changes
// a pattern that m scores as a review or a link. A record counts once per
// pattern and BSN level, however many older records it shows it with, so
// that many copies of one record weigh as much as one pair each.
func EstimateOtherBSN(pairs CandidatePairs, m *Model) *OtherBSN {
	agreeing, other := map[Pattern]int{}, map[Pattern]int{}
	pairs.Groups(func(group []Pattern) {
		seen := map[Pattern]bool{}
		for _, p := range group {
			if (p[cmpBSN] == bsnAgree || p[cmpBSN] == bsnDisagree) && !seen[p] {
				seen[p] = true
				if p[cmpBSN] == bsnAgree {
					agreeing[withoutBSN(p)]++
				} else {
					other[withoutBSN(p)]++
				}
			}
		}
	})
	var idAgree, idOther int
	for q, n := range agreeing {
		if wholeIdentity(q) {
			idAgree += n
		}
	}
	for q, n := range other {
		if wholeIdentity(q) {
			idOther += n
		}
	}
	est := &OtherBSN{IdentityPairs: idAgree + idOther}
	if est.IdentityPairs < minIdentityPairs || idAgree == 0 {
		return est
	}
	est.Replaced = min(float64(idOther)/float64(idAgree), maxReplacedBSN)
	base := *m
	base.otherBSN = nil
	for q, n := range other {
		p := q
		p[cmpBSN] = bsnDisagree
		if base.Score(p) >= base.Lower {
			continue // a review or a link already
		}
		if est.Replaced*float64(agreeing[q]) >= reviewShare*float64(n) {
			est.Review = append(est.Review, OtherBSNPattern{Pattern: q, Pairs: n, Agreeing: agreeing[q]})
		}
	}
	sortOtherBSN(est.Review)
	return est
}

// SetOtherBSN makes m send est's patterns to a clerk (nil: none).
func (m *Model) SetOtherBSN(est *OtherBSN) {
	m.OtherBSN = est
	m.otherBSN = nil
	if est == nil {
		return
	}
	m.otherBSN = map[Pattern]bool{}
	for _, r := range est.Review {
		m.otherBSN[withoutBSN(r.Pattern)] = true
	}
}

// otherBSNReview reports whether a pattern with two different valid BSNs
// is one the active estimate sends to a clerk.
func (m *Model) otherBSNReview(p Pattern) bool {
	return m.otherBSN != nil && m.otherBSN[withoutBSN(p)]
}

// reviewScore is a score held to the review band: below a link, at least a
// review.
func (m *Model) reviewScore(s float64) float64 {
	return math.Max(math.Min(s, m.Upper-0.5), m.Lower)
}

// Levels names a pattern's levels as "comparison=level", leaving out the
// missing ones: what a report may show of a pair, never a value.
func (p Pattern) Levels() []string {
	var out []string
	for c, l := range p {
		if l != 0 {
			out = append(out, comparisonNames[c]+"="+levelNames[c][l])
		}
	}
	return out
}

func withoutBSN(p Pattern) Pattern {
	p[cmpBSN] = 0
	return p
}

// wholeIdentity reports whether every field but the BSN agrees exactly
// (the sex not disagreeing): one person beyond doubt, whatever the BSNs.
func wholeIdentity(p Pattern) bool {
	return p[cmpFamily] == familyExact && p[cmpFirst] == firstExact && p[cmpBirth] == birthExact &&
		p[cmpPostcode] == postcodeExact && p[cmpHouse] == houseAgree && p[cmpSex] != sexDisagree
}

// sortOtherBSN orders patterns by pairs, most first, then by pattern, so
// that an estimate reads and stores the same every time.
func sortOtherBSN(ps []OtherBSNPattern) {
	slices.SortFunc(ps, func(a, b OtherBSNPattern) int {
		if a.Pairs != b.Pairs {
			return b.Pairs - a.Pairs
		}
		return slices.Compare(a.Pattern[:], b.Pattern[:])
	})
}
