package linkage

// The BSN block first. At a national index's size most of a record's
// blocks hold strangers (one birth date and one family-name sound are
// shared by more persons as the index grows), and reading them is most of
// registration's cost. A record whose BSN block already holds a candidate
// scoring above anything a record outside that block could score needs
// none of its other blocks: the decision cannot change. Index.readCandidates
// looks up a batch's BSN blocks first, and the other blocks only for the
// records this does not settle.
//
// The bound: a record outside the BSN block has no BSN agreement with the
// new one (a valid BSN's records are all in its block, as long as the block
// is not full; the one exception, two BSNs whose 32-bit encodings collide,
// has a chance of 2^-32 per pair), so its score is at most the largest weight of each
// comparison over the levels it can have: the BSN missing, another or a
// typo, and level 0 for every field the new record lacks. The guards of
// Model.Score only lower a score, or raise it to the review threshold at
// most, so the bound is that sum or Lower, whichever is larger
// (TestBoundWithoutBSNAgreement checks it against every pattern).

// presence is which of the fields whose absence Compare always answers with
// level 0 a record has: birth date, sex, postcode, house number. (Names are
// left out: a swapped given and family name gives the names a level from
// the other field.)
type presence uint8

const (
	hasBirth presence = 1 << iota
	hasSex
	hasPostcode
	hasHouse
	numPresence = 1 << 4
)

func presenceOf(f *Features) presence {
	var p presence
	if f.Year != 0 {
		p |= hasBirth
	}
	if f.Sex != 0 {
		p |= hasSex
	}
	if f.Postcode != 0 {
		p |= hasPostcode
	}
	if f.House != 0 {
		p |= hasHouse
	}
	return p
}

// possibleLevels reports whether comparison c can have level l against a
// record with fields p and no BSN agreement.
func possibleLevels(c, l int, p presence) bool {
	switch {
	case l == 0:
		return true
	case c == cmpBSN:
		return l != bsnAgree
	case c == cmpBirth:
		return p&hasBirth != 0
	case c == cmpSex:
		return p&hasSex != 0
	case c == cmpPostcode:
		return p&hasPostcode != 0
	case c == cmpHouse:
		// A house number is compared only within one postcode.
		return p&hasPostcode != 0 && p&hasHouse != 0
	}
	return true
}

// prepareBoundsWithoutBSN fills m.withoutBSN; Prepare calls it once the
// weights are known.
func (m *Model) prepareBoundsWithoutBSN() {
	for p := range presence(numPresence) {
		var sum float64
		for c := range numComparisons {
			var best float64 // level 0 weighs nothing
			for l := 1; l < len(levelNames[c]); l++ {
				if possibleLevels(c, l, p) {
					best = max(best, m.weights[c][l])
				}
			}
			sum += best
		}
		m.withoutBSN[p] = max(sum, m.Lower)
	}
}

// boundWithoutBSN is the highest score a record without BSN agreement can
// have against f.
func (m *Model) boundWithoutBSN(f *Features) float64 { return m.withoutBSN[presenceOf(f)] }

// settledByBSN reports whether enc's BSN block, looked up into st, holds a
// candidate that no record outside the block can outscore under the
// batch's model. bsnRecords is how many records of the batch share the
// block: Index.match compares the batch's own records of a block before
// the store's, at most MaxBlock in all, so the store's must all fit beside
// them.
func settledByBSN(st *batchState, enc *Encoded, bsnRecords int) bool {
	ids := st.members[enc.BSNBlock]
	if len(ids) == 0 || len(ids)+bsnRecords-1 >= MaxBlock {
		// Empty, or full: a record with this BSN may be beyond the newest
		// MaxBlock, and found through another block.
		return false
	}
	m := st.model
	bound := m.boundWithoutBSN(&enc.Features)
	for _, id := range ids {
		if m.Score(Compare(&enc.Features, &st.cands[id].f)) > bound {
			return true
		}
	}
	return false
}
