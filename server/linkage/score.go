package linkage

import (
	"fmt"
	"math"
)

// The compared fields, and their agreement levels. Level 0 always means
// "missing on one side": it weighs nothing.
const (
	cmpBSN = iota
	cmpFamily
	cmpFirst
	cmpBirth
	cmpSex
	cmpPostcode
	cmpHouse
	numComparisons
)

// maxLevels bounds the levels of any comparison (0 = missing included).
const maxLevels = 7

// NumComparisons and MaxLevels size a Model's tables, for estimation.
const (
	NumComparisons = numComparisons
	MaxLevels      = maxLevels
)

// Levels is how many levels comparison c has, missing (0) included.
func Levels(c int) int { return len(levelNames[c]) }

// Level names, per comparison, for configuration and for reports.
var levelNames = [numComparisons][]string{
	cmpBSN:      {"missing", "agree", "disagree", "typo"},
	cmpFamily:   {"missing", "exact", "close", "partial", "disagree", "sound"},
	cmpFirst:    {"missing", "exact", "close", "initials", "disagree", "call_name", "first_initial"},
	cmpBirth:    {"missing", "exact", "swapped", "two_of_three", "disagree"},
	cmpSex:      {"missing", "agree", "disagree"},
	cmpPostcode: {"missing", "exact", "area", "disagree", "typo"},
	cmpHouse:    {"missing", "agree", "disagree"},
}

var comparisonNames = [numComparisons]string{"bsn", "family_name", "given_name", "birth_date", "sex", "postcode", "house_number"}

// The levels that decide the guards below.
const (
	bsnAgree         = 1
	bsnDisagree      = 2
	bsnTypo          = 3
	familyExact      = 1
	familyClose      = 2
	familyPartial    = 3
	familyDisagree   = 4
	familySound      = 5
	firstExact       = 1
	firstClose       = 2
	firstInitials    = 3
	firstDisagree    = 4
	firstCallName    = 5
	firstInitial     = 6
	birthExact       = 1
	birthSwapped     = 2
	birthTwoOfThree  = 3
	birthDisagree    = 4
	postcodeExact    = 1
	postcodeDisagree = 3
	postcodeTypo     = 4
	houseAgree       = 1
	houseDisagree    = 2
	sexAgree         = 1
	sexDisagree      = 2
)

// Pattern is the agreement level of every comparison for one record pair.
type Pattern [numComparisons]uint8

// Compare computes the agreement pattern of two records.
func Compare(a, b *Features) Pattern {
	var p Pattern
	p[cmpBSN] = compareBSN(a, b)
	if sw := swapped(a, b); sw != 0 {
		// Given and family name swapped: both names agree, crosswise.
		p[cmpFamily], p[cmpFirst] = sw, sw
	} else {
		p[cmpFamily] = compareFamily(a, b)
		p[cmpFirst] = compareFirst(a, b)
	}
	p[cmpBirth] = compareBirth(a, b)
	p[cmpSex] = equality(a.Sex, b.Sex)
	switch {
	case a.Postcode == 0 || b.Postcode == 0:
	case a.Postcode == b.Postcode:
		p[cmpPostcode] = 1
		// A house number only means something within one postcode.
		p[cmpHouse] = equality(a.House, b.House)
	case a.PostcodeSorted != 0 && a.PostcodeSorted == b.PostcodeSorted:
		// The same digits in another order, the same letters: a typo of
		// one postcode.
		p[cmpPostcode] = postcodeTypo
		p[cmpHouse] = equality(a.House, b.House)
	case a.Area != 0 && a.Area == b.Area:
		p[cmpPostcode] = 2
	default:
		p[cmpPostcode] = 3
	}
	return p
}

func equality(a, b uint32) uint8 {
	switch {
	case a == 0 || b == 0:
		return 0
	case a == b:
		return 1
	}
	return 2
}

// compareBSN: two valid BSNs agree or disagree; a BSN that fails the
// 11-check (Features.BSN 0, BSNParts set) is a typo of the other when all
// but one of their three 3-digit parts agree, and says nothing otherwise.
// Two valid BSNs that differ in one part are a disagreement: valid
// numbers that close are the numbers of two persons (twins may have
// consecutive ones), not a typo, which the 11-check would have caught.
func compareBSN(a, b *Features) uint8 {
	if l := equality(a.BSN, b.BSN); l != 0 {
		return l
	}
	if a.BSNParts[0] == 0 || b.BSNParts[0] == 0 {
		return 0
	}
	for j := range a.BSNParts {
		if a.BSNParts[j] == b.BSNParts[j] {
			return bsnTypo
		}
	}
	return 0
}

// swapped reports whether a's given name is b's family name and the other
// way round: exact (1) when both are equal, close (2) when one is and the
// other is close, or both are very close (a swap and a typo); 0 for no swap.
// (Level 1 and 2 mean exact and close for both the family and the given
// name.)
func swapped(a, b *Features) uint8 {
	if a.GivenAsFamily == 0 || b.GivenAsFamily == 0 {
		return 0
	}
	ab, ba := a.GivenAsFamily == b.FamilyFirst, b.GivenAsFamily == a.FamilyFirst
	if ab && ba {
		return familyExact
	}
	if a.GivenBloom.Empty() || b.GivenBloom.Empty() {
		return 0 // registered before GivenBloom was kept
	}
	dab, dba := Dice(&a.GivenBloom, &b.FamilyBloom), Dice(&b.GivenBloom, &a.FamilyBloom)
	if ab && dba >= swapClose || ba && dab >= swapClose || min(dab, dba) >= swapBothClose {
		return familyClose
	}
	return 0
}

// The Dice coefficients above which a swapped name counts as close: when
// the other name of the pair is exact, and when neither is.
const (
	swapClose     = 0.7
	swapBothClose = 0.8
)

func compareFamily(a, b *Features) uint8 {
	switch {
	case a.Family == 0 || b.Family == 0:
		return 0
	case a.Family == b.Family:
		return 1
	}
	d := Dice(&a.FamilyBloom, &b.FamilyBloom)
	// One part of a double name equal ("jansen" / "jansen-de vries").
	partAgrees := a.FamilyFirst == b.FamilyFirst || a.FamilyLast == b.FamilyLast ||
		a.FamilyFirst == b.FamilyLast || a.FamilyLast == b.FamilyFirst
	switch {
	case d >= 0.8 || partAgrees:
		return 2
	case d >= 0.6 && a.FamilySound != 0 && a.FamilySound == b.FamilySound:
		// Partly alike and sounding the same: a spelling variant or a
		// typo of one name (Meijer, Meyer) more than another name.
		return familySound
	case d >= 0.6 || a.FamilySound != 0 && a.FamilySound == b.FamilySound:
		// Partly alike, or less alike but sounding the same (Schmidt,
		// Smit: a spelling variant, or another family's name).
		return 3
	}
	return 4
}

func compareFirst(a, b *Features) uint8 {
	switch {
	case a.First != 0 && a.First == b.First:
		if a.Initials != 0 && b.Initials != 0 && a.Initials != b.Initials {
			// Brahim and Brahim Rachid: a second name left out, or a
			// father and son of one first name.
			return firstClose
		}
		return firstExact
	case a.First != 0 && b.First != 0:
		if Dice(&a.FirstBloom, &b.FirstBloom) >= 0.75 {
			return 2
		}
		if a.FirstGroup != 0 && a.FirstGroup == b.FirstGroup {
			return firstCallName // Kees and Cornelis
		}
		if a.FirstSound != 0 && a.FirstSound == b.FirstSound {
			// Spelled apart, sounding the same (Catherine, Kathryn): a
			// spelling variant, close. Twins' names differ in sound.
			return firstClose
		}
		if a.Initials == b.Initials && a.Initials != 0 {
			return 3
		}
		return 4
	case a.FirstInitial == 0 || b.FirstInitial == 0:
		return 0
	case a.Initials == b.Initials:
		return firstInitials // one side has initials only
	case a.FirstInitial == b.FirstInitial:
		// One side has initials only and only the first of them agrees
		// (J.P. against Jan, or against Johan Willem): the first given
		// name left out of one record, or another person of that initial.
		return firstInitial
	}
	return 4
}

func compareBirth(a, b *Features) uint8 {
	if a.Year == 0 || b.Year == 0 {
		return 0
	}
	y, m, d := a.Year == b.Year, a.Month == b.Month, a.Day == b.Day
	switch {
	case y && m && d:
		return 1
	case y && a.Month == b.Day && a.Day == b.Month:
		return 2
	case y && m || y && d || m && d:
		return 3
	}
	return 4
}

// MU is a comparison level's m probability (of the level among true
// matches) and u probability (among non-matches).
type MU struct {
	M float64 `json:"m"`
	U float64 `json:"u"`
}

// Model is the Fellegi-Sunter model: m and u per comparison and level, and
// the two thresholds on the summed weight log2(m/u).
type Model struct {
	MU    [numComparisons][maxLevels]MU
	Upper float64 // link at or above
	Lower float64 // new person below; review in between

	// OtherBSN, when estimated on a linkage space and activated, sends
	// some patterns with two different valid BSNs to a clerk
	// (EstimateOtherBSN); nil: none.
	OtherBSN *OtherBSN

	weights    [numComparisons][maxLevels]float64
	withoutBSN [numPresence]float64 // the bound of bsnfirst.go, by the record's fields
	otherBSN   map[Pattern]bool     // OtherBSN's patterns, BSN level 0
}

// Prepare computes the weights. It must be called after MU changes.
func (m *Model) Prepare() error {
	for c := range numComparisons {
		for l := 1; l < len(levelNames[c]); l++ {
			mu := m.MU[c][l]
			if mu.M <= 0 || mu.U <= 0 || mu.M > 1 || mu.U > 1 {
				return fmt.Errorf("linkage model: %s/%s: m and u must be in (0, 1]", comparisonNames[c], levelNames[c][l])
			}
			m.weights[c][l] = math.Log2(mu.M / mu.U)
		}
	}
	if m.Lower > m.Upper {
		return fmt.Errorf("linkage model: lower threshold %.1f above upper %.1f", m.Lower, m.Upper)
	}
	m.prepareBoundsWithoutBSN()
	return nil
}

// Score is the summed weight of a pattern, after the guards: some
// disagreements are not outweighed by any amount of agreement elsewhere,
// because the fields are not independent (twins share a birth date, a
// surname and an address; a father and son may share all but the date).
//
//   - a different BSN on both sides: a different person (BSNs carry a check
//     digit, so a typo rarely yields another valid number), unless the
//     name, given name and birth date agree: then a wrong BSN at the same
//     postcode, and a review elsewhere (also with a close given name and no
//     sex, or no given name, on one side); nearly so at one address (a
//     given-name typo with no sex recorded, only the initials agreeing, no
//     given name on one side, or a marriage name), or the name at one
//     address without a birth date or with one part of it wrong, a review;
//     so are twins at one address (the twin guard below), and, once an
//     operator activated it, the patterns that the linkage space's own
//     pairs show to be one person with a replaced BSN as often as not
//     (OtherBSN: a review, never a link);
//   - both full given names present and different (a call name and its
//     official name too: Kees may be Cornelis, or his brother Jan
//     Cornelis), or a given name that is not the same with the other sex
//     (twins Antonia and Antonius, or A. and A.), or a birth date that
//     differs in more than one part: never
//     an automatic link, at most a review, unless the BSN agrees (then the
//     difference is a data error), or, for the birth date, a BSN with a
//     typo comes with its name (typoOfBSNWithName);
//   - but a BSN agreement with a birth date that differs in more than one
//     part and a family name that is not the same or close (nor partly
//     alike with the given name exact: typoOfName), or the other
//     sex with a given name that is not the same (anotherPersonsBSN): at
//     most a review. One number does not outweigh a whole identity: it
//     would let whoever knows a BSN attach records of their making to its
//     person, and a household member's BSN on a record is a known mix-up.
//     A family name with a typo counts as the same when the given name
//     agrees too at the same postcode and house number;
//   - a birth date missing on either side: at most a review, unless the
//     BSN agrees and so do family name and given name, or the given name
//     or the family name at one postcode and house number, or family name and
//     whole given name (same first name and initials) agree at one
//     postcode and house number (see Input.HasMinimumEvidence);
//   - at another postcode area, a given name that is only close, or exact
//     with a family name only partly alike, and no BSN agreement: at most
//     a review, and a new person under another family name
//     (closeNameElsewhere);
//   - the family name and birth date at another postcode area with no
//     given name on one side or only the first initial agreeing
//     (twinApart), and no BSN agreement: at most a review;
//   - another birth date with another given name, no given name (but
//     under the same family name at the same postcode and no other house
//     number: a review), or the
//     other sex, and no BSN agreement: a new person, however much else
//     agrees (a parent, child or partner at one address: householdMember);
//   - a given name not the same and a birth date with one part other, with
//     no postcode on one side and no BSN agreement: at most a review
//     (typosWithoutAddress); so are a given name not the same and a
//     birth date with day and month swapped at another postcode area
//     (swappedElsewhere);
//   - the twin guard: the same family name, birth date, postcode and house
//     number with another given name, and no BSN agreement, is at least a
//     review: twins, or one person under another given name, are for a
//     clerk to tell apart, never silently a new person; with two different
//     valid BSNs too, unless the sexes disagree (twinAtAddress).
func (m *Model) Score(p Pattern) float64 {
	var s float64
	for c, l := range p {
		s += m.weights[c][l]
	}
	if p[cmpBSN] == bsnDisagree {
		switch {
		case sameIdentity(p) && samePostcode(p):
			// Everything but the BSN agrees at one address: a wrong BSN (a
			// household member's, a mix-up at the desk), not another person.
			// It gives no one a link they could not have by leaving the BSN
			// out, so it is scored as it stands.
			return s
		case sameIdentity(p), wrongBSNAtAddress(p), nearIdentityElsewhere(p):
			// The same name and birth date elsewhere: namesakes born on one
			// day exist, and their BSNs tell them apart; a clerk decides. So
			// for nearly the same identity at one address.
			return math.Min(s, m.Upper-0.5)
		case twinAtAddress(p):
			// The twin guard holds with two valid BSNs too: twins, or one
			// person whose BSN and given name were both recorded wrongly;
			// a clerk tells them apart in seconds.
			return m.reviewScore(s)
		case m.otherBSNReview(p):
			// This linkage space replaces valid BSNs often enough that
			// one person explains most pairs of this pattern (OtherBSN).
			return m.reviewScore(s)
		}
		return math.Min(s, m.Lower-1)
	}
	if p[cmpBSN] != bsnAgree && householdMember(p) {
		return math.Min(s, m.Lower-1)
	}
	if p[cmpBSN] != bsnAgree && closeNameElsewhere(p) {
		if p[cmpFamily] == familyDisagree {
			return math.Min(s, m.Lower-1)
		}
		return math.Min(s, m.Upper-0.5)
	}
	if p[cmpBSN] != bsnAgree && twinApart(p) || p[cmpBSN] == bsnAgree && anotherPersonsBSN(p) {
		return math.Min(s, m.Upper-0.5)
	}
	if p[cmpBirth] == 0 && (p[cmpBSN] != bsnAgree || !sameName(p) && !givenAtAddress(p) && !familyAtAddress(p)) && !nameAtAddress(p) {
		// No birth date to tell namesakes, or father and son, apart: only
		// the BSN with its name, or with its given name at its address (a
		// marriage name) or its family name there (a given name written
		// otherwise), or the whole name at its address, links.
		return math.Min(s, m.Upper-0.5)
	}
	if p[cmpBSN] != bsnAgree && (p[cmpFirst] == firstDisagree || p[cmpFirst] == firstCallName || oppositeSex(p) || p[cmpBirth] == birthDisagree && !typoOfBSNWithName(p)) {
		s = math.Min(s, m.Upper-0.5)
		if p[cmpFamily] == familyExact && p[cmpBirth] == birthExact && samePostcode(p) && p[cmpHouse] == houseAgree {
			s = math.Max(s, m.Lower)
		}
		return s
	}
	if p[cmpBSN] != bsnAgree && (typosWithoutAddress(p) || swappedElsewhere(p)) {
		return math.Min(s, m.Upper-0.5)
	}
	if p[cmpBSN] == bsnAgree && p[cmpBirth] == birthDisagree && !sameFamily(p) && !typoOfName(p) && !(sameName(p) && samePostcode(p) && p[cmpHouse] == houseAgree) {
		return math.Min(s, m.Upper-0.5)
	}
	return s
}

// typosWithoutAddress reports whether a pattern has a given name that is
// not the same and a birth date with one part other, with no postcode on
// one side to place them: two differences that one person's typos make,
// and that a stranger of the family name born near that day has. At a
// national index's size the second is the likelier (ttpeval -speed-links:
// most links scoring just over the threshold were other persons), so it
// goes to a clerk.
func typosWithoutAddress(p Pattern) bool {
	return p[cmpPostcode] == 0 && p[cmpBirth] == birthTwoOfThree && p[cmpFirst] != firstExact
}

// swappedElsewhere reports whether a pattern has a birth date with day and
// month swapped at another postcode area, with a given name that is not
// the same (close, initials only, or none on one side): a typo of the
// date and a move, or a stranger of the family name born on the mirrored
// day. At a national index's size the stranger is the likelier (ttpeval
// -speed-links at 11.2M persons: 149 such links wrong, 1 right), so a
// clerk decides.
func swappedElsewhere(p Pattern) bool {
	return p[cmpPostcode] == postcodeDisagree && p[cmpBirth] == birthSwapped && p[cmpFirst] != firstExact
}

// sameIdentity reports whether a pattern's family name is alike, its birth
// date agrees exactly, its sex does not disagree, and its given name agrees
// exactly, or closely with the same sex: twins of opposite sex are often
// named alike (Antonia and Antonius).
func sameIdentity(p Pattern) bool {
	first := p[cmpFirst] == firstExact || p[cmpFirst] == firstClose && p[cmpSex] == sexAgree
	return familyAlike(p) && first && p[cmpBirth] == birthExact && p[cmpSex] != sexDisagree
}

// nearIdentityElsewhere reports whether a pattern with two different BSNs
// at another postcode has the family name alike and the birth date, the
// sexes not disagreeing, and a given name that is close with no sex
// recorded on one side, or none on one side: the same identity elsewhere
// (sameIdentity, a review) as nearly as a record without a sex or without
// a given name can tell. A clerk decides, as for twinApart without BSNs.
// (On the own generator with BSNs: 8 review items more, twins living apart
// with no given name on one record; on FEBRL 2 and 3 with BSNs one and two
// true ones.)
func nearIdentityElsewhere(p Pattern) bool {
	return !samePostcode(p) && familyAlike(p) && p[cmpBirth] == birthExact && p[cmpSex] != sexDisagree &&
		(p[cmpFirst] == firstClose && p[cmpSex] == 0 || p[cmpFirst] == 0)
}

// twinAtAddress reports whether a pattern with two different BSNs is what
// twins at one address share: the family name (exactly, closely or by its
// sound), the birth date and the postcode agree, the house numbers do not
// disagree and neither do the sexes; the given names are another's (the
// cases with a given name alike are wrongBSNAtAddress's). That is the twin
// guard with two valid BSNs: a clerk, not a new person. The BSNs tell
// twins apart, and a clerk does so in seconds; a record whose BSN and
// given name were both recorded wrongly looks the same, and nothing else
// tells it from a twin. Twins of the other sex are told apart by it as
// well as by the BSN, and stay new persons. (On the own generator with
// BSNs this adds 90 review items to 223 of 150,000 records, every one a
// twin of the same sex; on FEBRL 1 to 3 with BSNs it turns 1, 1 and 9 new
// persons into true review items.)
func twinAtAddress(p Pattern) bool {
	return sameFamily(p) && p[cmpBirth] == birthExact && samePostcode(p) && p[cmpHouse] != houseDisagree && p[cmpSex] != sexDisagree
}

// wrongBSNAtAddress reports whether a pattern with two different BSNs is
// nearly one identity at one address: the birth date and postcode agree,
// the house numbers do not disagree (one may be missing: the same postcode
// is a street's side, and twins share a house), the sexes do not disagree,
// and either a family name that is
// alike with a given name that is close and no sex to tell Antonia from
// Antonius, or with given names of which only the initials agree (one side
// may have nothing but initials) or one side has none, or the given name
// exactly or closely under another family name (a marriage name, with or
// without a given-name typo; twins share a family name). These go to a
// clerk (and so do twins at one address: twinAtAddress). Without a
// birth date on one side, the name (sameName) at one address goes to a
// clerk too: a father and son of one name, whose BSNs tell them apart, or
// one person with a wrong BSN, which nothing else tells apart; and so does
// the name with a birth date wrong in one part, or with day and month
// swapped: a father and son were born in other years, and seldom on the
// same day of the year, so that is one person with a wrong BSN and a date
// typo more than two. (On the own generator with BSNs it adds one review
// item, on FEBRL 3 with BSNs two true ones.)
func wrongBSNAtAddress(p Pattern) bool {
	if !samePostcode(p) || p[cmpHouse] == houseDisagree || p[cmpSex] == sexDisagree {
		return false
	}
	if p[cmpBirth] == 0 {
		return sameName(p)
	}
	if p[cmpBirth] != birthExact {
		return (p[cmpBirth] == birthSwapped || p[cmpBirth] == birthTwoOfThree) && sameName(p)
	}
	return familyAlike(p) && (p[cmpFirst] == firstClose && p[cmpSex] == 0 || initialsAgree(p) || p[cmpFirst] == 0) ||
		p[cmpFamily] == familyDisagree && (p[cmpFirst] == firstExact || p[cmpFirst] == firstClose)
}

// sameName reports whether a pattern's family name is alike, its given name
// agrees (exactly, closely, or by its initials) and its sex does not
// disagree: the name a BSN belongs to, through the typos of a record.
func sameName(p Pattern) bool {
	return familyAlike(p) &&
		(p[cmpFirst] == firstExact || p[cmpFirst] == firstClose || initialsAgree(p)) && p[cmpSex] != sexDisagree
}

// householdMember reports whether a pattern's birth dates differ in more
// than one part and nothing of the given name speaks for one person: the
// given names differ or one is missing, or the sexes differ. Under one
// family name at one address that is a parent, child or partner, not a
// question for a clerk. A given name missing on one side under the same
// family name at the same postcode, with no other house number and the
// sexes not disagreeing (familyAtPostcode), is left to the clerk: nothing
// speaks against one person with a wrong birth date but that date, and a
// given name is seldom missing, so the clerk's share is small. (On the own
// generator without BSNs it adds 55 review items to 1,688, of 150,000
// records; on the FEBRL sets it turns 1 to 4 new persons into true review
// items.)
func householdMember(p Pattern) bool {
	return p[cmpBirth] == birthDisagree && (p[cmpFirst] == firstDisagree || p[cmpFirst] == 0 && !familyAtPostcode(p) || oppositeSex(p))
}

// twinApart reports whether a pattern is what a twin living elsewhere
// shares with the other: the family name and the birth date at another
// postcode area, with nothing of the given name to tell them apart: none
// on one side, or initials on one side of which only the first agrees
// (J.P. against Johan: not the same initials). Twins are one in fifty
// persons and most live apart as adults; family name and birth date are
// not independent for them, so their weights overstate the evidence. A
// clerk decides. All initials agreeing (J.P., Jan Pieter) is kept a link:
// a twin's given names seldom have the other's initials. (On the own
// generator without BSNs such candidate pairs at another area were, with
// only the first initial, 6 true against 10 false; with no given name on
// one side 108 against 22; with all initials 258 against 1. Automatic
// links there went from 0.99877 to 0.99914 precise; no pair is lost after
// a clerk, but some 115 true pairs of 59,968 wait for one.)
func twinApart(p Pattern) bool {
	return familyAlike(p) && p[cmpBirth] == birthExact && p[cmpPostcode] == postcodeDisagree &&
		(p[cmpFirst] == firstInitial || p[cmpFirst] == 0)
}

// closeNameElsewhere reports whether a pattern at another postcode area
// has a family name that is not the same or close (partly alike, or
// another) with a given name that is only close (the same first name with
// other further names, or alike), or exact under a family name partly
// alike: little more than a birth date and a first name, which some ten
// strangers share in a national index for a common name. With the family
// name partly alike a clerk decides; with another family name it is a new
// person. (The birth-date + first-name blocking key brings such pairs:
// without this, 4 to 9 of them linked wrongly on the own generator.)
func closeNameElsewhere(p Pattern) bool {
	return p[cmpPostcode] == postcodeDisagree && (p[cmpFirst] == firstClose && (p[cmpFamily] == familyPartial || p[cmpFamily] == familySound || p[cmpFamily] == familyDisagree) ||
		p[cmpFirst] == firstExact && p[cmpFamily] == familyPartial)
}

// anotherPersonsBSN reports whether a pattern whose BSNs agree has the
// other sex, a given name that is not the same and another birth date:
// nothing of the person but what a household shares (family name,
// address). That is a household member's BSN on the record (a parent's on
// a child's, a partner's: a mix-up at the desk), not one person; a clerk
// decides. (On the own generator every such pair was a wrong link.)
func anotherPersonsBSN(p Pattern) bool {
	return p[cmpBirth] == birthDisagree && oppositeSex(p)
}

// typoOfBSNWithName reports whether a BSN with a typo (six or more of its
// digits agreeing with the other's valid BSN) comes with the name it
// belongs to (sameName): then a birth date wrong in two parts is a data
// error, as with a BSN that agrees. A father and son of one name, whom the
// birth date tells apart, were born decades apart and have unrelated BSNs.
// (Twins, whose numbers may be consecutive, differ in their given names,
// which stay at most a review.)
func typoOfBSNWithName(p Pattern) bool {
	return p[cmpBSN] == bsnTypo && sameName(p)
}

// typoOfName reports whether the given name agrees exactly and the family
// name in part (typos): with a BSN that agrees, the name the BSN belongs
// to, whatever else is wrong. (Whoever knows the BSN and given name knows
// the family name too, so a near miss gives a prober nothing.)
func typoOfName(p Pattern) bool {
	return p[cmpFirst] == firstExact && p[cmpFamily] == familyPartial && p[cmpSex] != sexDisagree
}

// givenAtAddress reports whether the given name agrees exactly at the same
// postcode and house number and the sexes do not disagree, whatever the
// family name: with the BSN agreeing, a woman under her partner's name at
// one hospital and her own at another. (Whoever knows a BSN, the given
// name and the address knows the whole name there, with which a record
// links already: nameAtAddress.)
func givenAtAddress(p Pattern) bool {
	return p[cmpFirst] == firstExact && p[cmpSex] != sexDisagree && samePostcode(p) && p[cmpHouse] == houseAgree
}

// familyAtAddress reports whether the family name agrees (exactly,
// closely or by its sound) at the same postcode and house number and the
// sexes do not disagree, whatever the given name: with the BSN agreeing
// and no birth date, one person whose given name one record has otherwise
// (another spelling, a call name, a name written in the wrong field). A
// household member's BSN on a record (a mix-up at the desk) has the same
// family name at the same address too, but another birth date, which
// anotherPersonsBSN and the birth-date rules below catch; without a birth
// date nothing tells the two apart, and the BSN is the stronger evidence.
// (Whoever knows a BSN, the family name and the address knows the whole
// name there, with which a record links already: nameAtAddress.)
func familyAtAddress(p Pattern) bool {
	return sameFamily(p) && p[cmpSex] != sexDisagree && samePostcode(p) && p[cmpHouse] == houseAgree
}

// familyAtPostcode reports whether the family name agrees (exactly,
// closely or by its sound) at the same postcode, the house numbers do not
// disagree (one may be missing) and the sexes do not disagree.
func familyAtPostcode(p Pattern) bool {
	return sameFamily(p) && p[cmpSex] != sexDisagree && samePostcode(p) && p[cmpHouse] != houseDisagree
}

// nameAtAddress reports whether the family name agrees (exactly or closely)
// and the given name exactly (first name and initials: compareFirst), at
// the same postcode and house number, and the sexes do not disagree: one
// person. A father and son of one first name at one address differ in
// their other given names, which makes their given names close, not exact.
func nameAtAddress(p Pattern) bool {
	return sameFamily(p) && p[cmpFirst] == firstExact && p[cmpSex] != sexDisagree && samePostcode(p) && p[cmpHouse] == houseAgree
}

// initialsAgree reports whether the given names agree in their initials
// only: all of them, or the first where one side has initials only.
func initialsAgree(p Pattern) bool {
	return p[cmpFirst] == firstInitials || p[cmpFirst] == firstInitial
}

// familyAlike reports whether the family names agree exactly, closely or in
// part (a typo).
func familyAlike(p Pattern) bool { return sameFamily(p) || p[cmpFamily] == familyPartial }

// oppositeSex reports whether the sexes disagree and the given names are not
// the same: a brother and sister with alike names (Antonia, Antonius) or the
// same initial, not a sex recorded wrongly.
func oppositeSex(p Pattern) bool { return p[cmpSex] == sexDisagree && p[cmpFirst] != firstExact }

// samePostcode reports whether the postcodes agree, or differ only in the
// order of their digits.
func samePostcode(p Pattern) bool {
	return p[cmpPostcode] == postcodeExact || p[cmpPostcode] == postcodeTypo
}

func sameFamily(p Pattern) bool {
	return p[cmpFamily] == familyExact || p[cmpFamily] == familyClose || p[cmpFamily] == familySound
}

// DefaultModel is tuned to Dutch hospital data as the synth package's
// default profile models it; estimate your own with EM (see Estimate).
func DefaultModel() *Model {
	m := &Model{Upper: 16, Lower: 8}
	set := func(c int, mus ...MU) {
		for i, mu := range mus {
			m.MU[c][i+1] = mu
		}
	}
	// A BSN typo: among matches about as rare as a disagreement; among
	// non-matches, 6 given digits of 9 agree by chance 3 times in 10^6.
	set(cmpBSN, MU{0.996, 1e-7}, MU{0.002, 0.9999969}, MU{0.002, 3e-6})
	// Partly alike with the same sound code: among matches a typo that
	// keeps the sound; among non-matches names that sound alike.
	set(cmpFamily, MU{0.90, 0.003}, MU{0.07, 0.004}, MU{0.012, 0.019}, MU{0.01, 0.973}, MU{0.008, 0.001})
	// A call name for an official name: the vocabulary's groups hold a
	// few percent of all names, so two different names share a group
	// seldom among non-matches.
	// Only the first initial against initials: rare among matches (one
	// record with initials, the other with the first given name only);
	// among non-matches one in ten pairs with initials on one side.
	set(cmpFirst, MU{0.85, 0.01}, MU{0.05, 0.002}, MU{0.078, 0.045}, MU{0.02, 0.936}, MU{0.01, 0.002}, MU{0.002, 0.005})
	set(cmpBirth, MU{0.95, 3e-5}, MU{0.01, 3e-6}, MU{0.035, 0.005}, MU{0.005, 0.995})
	set(cmpSex, MU{0.99, 0.5}, MU{0.01, 0.5})
	// A transposition of a postcode's digits: rare among matches; among
	// non-matches the few permutations of one postcode's digits that exist
	// with its letters are seldom near each other.
	set(cmpPostcode, MU{0.90, 1e-4}, MU{0.03, 0.005}, MU{0.065, 0.9949}, MU{0.005, 2e-5})
	set(cmpHouse, MU{0.97, 0.1}, MU{0.03, 0.9})
	if err := m.Prepare(); err != nil {
		panic(err)
	}
	return m
}
