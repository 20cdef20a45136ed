package linkage

import (
	"slices"
	"testing"

	"github.com/ttpnl/ttp/identity"
)

// compareAs parses, encodes and compares two records of trustFields
// (agb, patient number, bsn, family, given, birth, sex, postcode).
func compareAs(t *testing.T, a, b []string) Pattern {
	t.Helper()
	k := newKit(t)
	ea := encodeAs(t, k, testOwner, a...)
	eb := encodeAs(t, k, testOwner, b...)
	return Compare(&ea.Features, &eb.Features)
}

func rec(bsn, family, given, birth, postcode string) []string {
	return []string{"06000001", "1", bsn, family, given, birth, "M", postcode}
}

// TestSwappedNames: given and family name swapped agree crosswise.
func TestSwappedNames(t *testing.T) {
	p := compareAs(t, rec("", "Jansen", "Pieter", "1960-01-01", "1234 AB"), rec("", "Pieter", "Jansen", "1960-01-01", "1234 AB"))
	if p[cmpFamily] != familyExact || p[cmpFirst] != firstExact {
		t.Fatalf("swapped names: family %s, given %s; want exact, exact", levelNames[cmpFamily][p[cmpFamily]], levelNames[cmpFirst][p[cmpFirst]])
	}
	// Only one way round is no swap.
	p = compareAs(t, rec("", "Jansen", "Pieter", "1960-01-01", "1234 AB"), rec("", "Pieter", "Klaas", "1960-01-01", "1234 AB"))
	if p[cmpFamily] == familyExact || p[cmpFirst] == firstExact {
		t.Fatalf("half a swap: %v; want no agreement", p)
	}
	// The swap survives blocking: registered one after the other, they link.
	wantLinked(t, "swapped names", rec("", "Jansen", "Pieter", "1960-01-01", ""), rec("", "Pieter", "Jansen", "1960-01-01", ""))
}

// wantLinked registers two records of trustFields (as rec makes them) one
// after the other into a new index, and checks that the second joins the
// first's person: the pair survives blocking and scores a link.
func wantLinked(t *testing.T, what string, a, b []string) {
	t.Helper()
	k := newKit(t)
	b = slices.Clone(b)
	b[1] = "2" // another patient number
	res := registerAll(t, openIndex(t), []Encoded{encodeAs(t, k, testOwner, a...), encodeAs(t, k, testOwner, b...)})
	if res[1].Person != res[0].Person {
		t.Fatalf("%s: %v, score %.1f; want linked", what, res[1].Decision, res[1].Score)
	}
}

// TestCallNames: a call name and its official name compare as call_name,
// which, like a different given name, never links without a BSN.
func TestCallNames(t *testing.T) {
	for _, c := range [][2]string{{"Kees", "Cornelis"}, {"Jan", "Johannes"}, {"Truus", "Geertruida"}, {"Hans", "Jan"}} {
		p := compareAs(t, rec("", "Jansen", c[0], "1960-01-01", "1234 AB"), rec("", "Jansen", c[1], "1960-01-01", "1234 AB"))
		if p[cmpFirst] != firstCallName {
			t.Errorf("%s / %s: given name %s; want call_name", c[0], c[1], levelNames[cmpFirst][p[cmpFirst]])
		}
		m := DefaultModel()
		if s := m.Score(p); s >= m.Upper || s < m.Lower {
			t.Errorf("%s / %s without a BSN: score %.1f; want a review (%.0f to %.0f)", c[0], c[1], s, m.Lower, m.Upper)
		}
	}
	p := compareAs(t, rec("", "Jansen", "Kees", "1960-01-01", "1234 AB"), rec("", "Jansen", "Piet", "1960-01-01", "1234 AB"))
	if p[cmpFirst] != firstDisagree {
		t.Errorf("Kees / Piet: %s; want disagree", levelNames[cmpFirst][p[cmpFirst]])
	}
	if g := identity.CallNameGroup("kees"); g != "cornelis" || identity.CallNameGroup("cornelis") != g {
		t.Errorf("kees is in group %q", g)
	}
}

// TestDoubleNames: a double name agrees closely with either of its parts,
// whatever prefix the part has.
func TestDoubleNames(t *testing.T) {
	for _, c := range [][2]string{{"Jansen-de Vries", "de Vries"}, {"Jansen-de Vries", "Jansen"}, {"de Vries-Jansen", "Vries, de"}} {
		p := compareAs(t, rec("", c[0], "Maria", "1960-01-01", "1234 AB"), rec("", c[1], "Maria", "1960-01-01", "1234 AB"))
		if p[cmpFamily] != familyClose {
			t.Errorf("%s / %s: family %s; want close", c[0], c[1], levelNames[cmpFamily][p[cmpFamily]])
		}
	}
	p := compareAs(t, rec("", "Jansen-de Vries", "Maria", "1960-01-01", "1234 AB"), rec("", "Bakker", "Maria", "1960-01-01", "1234 AB"))
	if p[cmpFamily] != 4 {
		t.Errorf("Jansen-de Vries / Bakker: %s; want disagree", levelNames[cmpFamily][p[cmpFamily]])
	}
}

// TestInvalidBSNTypo: a BSN that fails the 11-check is no identifier but a
// typo of a BSN it matches in all but one 3-digit part; never of another
// valid BSN that close, nor of one it does not match.
func TestInvalidBSNTypo(t *testing.T) {
	const valid, typo, far = "111222333", "111222334", "999888334" // typo and far fail the 11-check
	for _, s := range []string{typo, far} {
		if _, p := identity.ParseBSN(s); p == nil {
			t.Fatalf("%s passes the 11-check", s)
		}
	}
	p := compareAs(t, rec(valid, "Jansen", "Piet", "1960-01-01", ""), rec(typo, "Jansen", "Piet", "1960-01-01", ""))
	if p[cmpBSN] != bsnTypo {
		t.Fatalf("one wrong digit: bsn %s; want typo", levelNames[cmpBSN][p[cmpBSN]])
	}
	p = compareAs(t, rec(valid, "Jansen", "Piet", "1960-01-01", ""), rec(far, "Jansen", "Piet", "1960-01-01", ""))
	if p[cmpBSN] != 0 {
		t.Fatalf("an invalid BSN far from the other: bsn %s; want missing", levelNames[cmpBSN][p[cmpBSN]])
	}
	// Two valid BSNs one part apart (111222333, 111222400) are two persons.
	if _, p := identity.ParseBSN("111222400"); p != nil {
		t.Fatal("111222400 fails the 11-check")
	}
	p = compareAs(t, rec(valid, "Jansen", "Piet", "1960-01-01", ""), rec("111222400", "Jansen", "Piet", "1960-01-01", ""))
	if p[cmpBSN] != bsnDisagree {
		t.Fatalf("two valid BSNs one part apart: bsn %s; want disagree", levelNames[cmpBSN][p[cmpBSN]])
	}
	// A typo is not a BSN for minimum evidence.
	if _, problems := parseAs(t, testOwner, "06000001", "1", typo, "", "", "1960-01-01", "", ""); !hasCode(problems, identity.CodeTooLittleEvidence) {
		t.Fatalf("invalid BSN and birth date: %v; want F-904", problems)
	}
}

// TestPartialBirthDate: an impossible date keeps its possible parts, which
// agree with the true date's.
func TestPartialBirthDate(t *testing.T) {
	in, problems := parseAs(t, testOwner, "06000001", "1", "", "Jansen", "Piet", "19450231", "M", "")
	if identity.Rejected(problems) || !hasCode(problems, identity.CodeLinkBirthDate) {
		t.Fatalf("19450231: %v; want accepted with %s", problems, identity.CodeLinkBirthDate)
	}
	if in.Birth != (identity.Date{Year: 1945, Month: 2, Day: 31}) {
		t.Fatalf("19450231 kept as %+v", in.Birth)
	}
	p := compareAs(t, rec("", "Jansen", "Piet", "19450231", ""), rec("", "Jansen", "Piet", "1945-02-13", ""))
	if p[cmpBirth] != 3 {
		t.Fatalf("19450231 / 1945-02-13: birth %s; want two_of_three", levelNames[cmpBirth][p[cmpBirth]])
	}
	if d := identity.PartialBirthDate("19451340", identity.Date{Year: 2026, Month: 1, Day: 1}); d != (identity.Date{Year: 1945}) {
		t.Fatalf("19451340 kept as %+v; want the year only", d)
	}
	// A year alone is too little of a date for minimum evidence.
	if _, problems := parseAs(t, testOwner, "06000001", "1", "", "Jansen", "Piet", "19451340", "M", ""); !hasCode(problems, identity.CodeTooLittleEvidence) {
		t.Fatalf("a year alone: %v; want F-904", problems)
	}
}

// TestDegradeNotReject: in linkage a field's problem degrades the field
// with a W-code; the record is rejected only without minimum evidence, or
// for a problem of its source.
func TestDegradeNotReject(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []string
		code   identity.Code
	}{
		{"BSN fails the 11-check", rec("111222334", "Jansen", "Piet", "1960-01-01", ""), identity.CodeLinkBSN},
		{"BSN of 7 digits", rec("1112223", "Jansen", "Piet", "1960-01-01", ""), identity.CodeLinkBSN},
		{"digit in the family name", rec("", "Jan5en", "Piet", "1960-01-01", ""), identity.CodeLinkFamilyName},
		{"digit in the given name", rec("", "Jansen", "Pi3t", "1960-01-01", ""), identity.CodeLinkGivenNames},
		{"impossible date", rec("", "Jansen", "Piet", "1960-02-30", ""), identity.CodeLinkBirthDate},
		{"postcode starting with 0", rec("", "Jansen", "Piet", "1960-01-01", "0123 AB"), identity.CodeLinkPostcode},
		{"sex not a code", []string{"06000001", "1", "", "Jansen", "Piet", "1960-01-01", "Q", ""}, identity.CodeLinkSex},
	} {
		_, problems := parseAs(t, testOwner, c.values...)
		if identity.Rejected(problems) || !hasCode(problems, c.code) {
			t.Errorf("%s: %v; want accepted with %s", c.name, problems, c.code)
		}
	}
	// What the field keeps.
	in, _ := parseAs(t, testOwner, rec("", "Sm1th", "Piet", "1960-01-01", "0123 AB")...)
	if in.Family.Core != "smlth" || in.Postcode.Area != "0123" || in.Postcode.Code != "0123AB" {
		t.Errorf("kept family %q, postcode %+v", in.Family.Core, in.Postcode)
	}
	// Too little left: a bad date leaves no birth date.
	if _, problems := parseAs(t, testOwner, rec("", "Jansen", "Piet", "1960-13-45", "")...); !hasCode(problems, identity.CodeTooLittleEvidence) {
		t.Errorf("no usable birth date: %v; want F-904", problems)
	}
	// The source's problems still reject.
	if _, problems := parseAs(t, testOwner, "0600001", "1", "", "Jansen", "Piet", "1960-01-01", "M", ""); !identity.Rejected(problems) {
		t.Errorf("a malformed AGB: %v; want rejected", problems)
	}
}

// TestTwinGuard: same family name, birth date and address with another
// given name and no BSN is a review, however the rest scores; so with two
// different valid BSNs (twins, or one person whose BSN and given name were
// both recorded wrongly: a clerk tells them apart), unless the sexes
// disagree too: then two persons.
func TestTwinGuard(t *testing.T) {
	m := DefaultModel()
	var p Pattern
	p[cmpFamily], p[cmpFirst], p[cmpBirth], p[cmpPostcode], p[cmpHouse] = familyExact, firstDisagree, birthExact, postcodeExact, houseAgree
	p[cmpSex] = 2 // boy and girl
	for _, bsn := range []uint8{0, bsnTypo} {
		p[cmpBSN] = bsn
		if s := m.Score(p); s < m.Lower || s >= m.Upper {
			t.Errorf("twins, bsn %s: score %.1f; want a review", levelNames[cmpBSN][bsn], s)
		}
	}
	// With weights that would put them below the lower threshold.
	low := DefaultModel()
	low.MU[cmpFirst][firstDisagree] = MU{M: 1e-6, U: 0.9}
	if err := low.Prepare(); err != nil {
		t.Fatal(err)
	}
	p[cmpBSN] = 0
	if s := low.Score(p); s < low.Lower {
		t.Errorf("twins under a model that weighs a given name heavily: score %.1f; want at least %.0f", s, low.Lower)
	}
	for name, q := range map[string]Pattern{
		"sex unknown":                 {bsnDisagree, familyExact, firstDisagree, birthExact, 0, postcodeExact, houseAgree},
		"same sex, a call name":       {bsnDisagree, familyExact, firstCallName, birthExact, sexAgree, postcodeExact, houseAgree},
		"postcode digits transposed":  {bsnDisagree, familyExact, firstDisagree, birthExact, sexAgree, postcodeTypo, houseAgree},
		"family name close":           {bsnDisagree, familyClose, firstDisagree, birthExact, 0, postcodeExact, houseAgree},
		"no house number on one side": {bsnDisagree, familyExact, firstDisagree, birthExact, 0, postcodeExact, 0},
	} {
		if s := m.Score(q); s < m.Lower || s >= m.Upper {
			t.Errorf("twins with two valid BSNs, %s: score %.1f; want a review", name, s)
		}
	}
	// Boy and girl, not at one address, or not one family name: the BSNs
	// tell them apart.
	p[cmpBSN] = bsnDisagree
	for name, q := range map[string]Pattern{
		"boy and girl":         p,
		"another house number": {bsnDisagree, familyExact, firstDisagree, birthExact, 0, postcodeExact, houseDisagree},
		"another area":         {bsnDisagree, familyExact, firstDisagree, birthExact, 0, postcodeDisagree, 0},
		"family name partly":   {bsnDisagree, familyPartial, firstDisagree, birthExact, 0, postcodeExact, houseAgree},
	} {
		if s := m.Score(q); s >= m.Lower {
			t.Errorf("two valid BSNs, another given name, %s: score %.1f; want a new person", name, s)
		}
	}
}

// TestWrongBSN: two valid BSNs that differ are two persons, unless name,
// given name, birth date and sex agree: then a wrong BSN, linked at the
// same address and put to a clerk elsewhere; nearly so at one address, put
// to a clerk, and so are twins of one sex at one address (the twin guard).
// Twins of the other sex stay apart.
func TestWrongBSN(t *testing.T) {
	m := DefaultModel()
	var p Pattern
	p[cmpBSN], p[cmpFamily], p[cmpFirst], p[cmpBirth], p[cmpPostcode], p[cmpHouse] = bsnDisagree, familyExact, firstExact, birthExact, postcodeExact, houseAgree
	if s := m.Score(p); s < m.Upper {
		t.Errorf("all but the BSN agree at one address: score %.1f; want a link", s)
	}
	typos := p
	typos[cmpFamily], typos[cmpPostcode] = familyPartial, postcodeTypo
	if s := m.Score(typos); s < m.Upper {
		t.Errorf("all but the BSN agree at one address, with a typo in family name and postcode: score %.1f; want a link", s)
	}
	house := p
	house[cmpHouse] = houseDisagree
	if s := m.Score(house); s < m.Upper {
		t.Errorf("all but the BSN agree at one postcode, another house number: score %.1f; want a link", s)
	}
	moved := p
	moved[cmpPostcode], moved[cmpHouse] = 3, 0
	if s := m.Score(moved); s < m.Lower || s >= m.Upper {
		t.Errorf("all but the BSN agree at another address: score %.1f; want a review", s)
	}
	// So elsewhere with a close given name and no sex, or no given name, on
	// one side; not with the other sex.
	for name, q := range map[string]Pattern{
		"a close given name, sex unknown": {bsnDisagree, familyExact, firstClose, birthExact, 0, postcodeDisagree, 0},
		"no given name on one side":       {bsnDisagree, familyPartial, 0, birthExact, sexAgree, 2, 0},
	} {
		if s := m.Score(q); s < m.Lower || s >= m.Upper {
			t.Errorf("%s with two valid BSNs at another address: score %.1f; want a review", name, s)
		}
	}
	if s := m.Score(Pattern{bsnDisagree, familyExact, 0, birthExact, sexDisagree, postcodeDisagree, 0}); s >= m.Lower {
		t.Errorf("no given name on one side, the other sex, two valid BSNs at another address: score %.1f; want a new person", s)
	}
	// Nearly one identity at one address: a given-name typo with no sex to
	// tell Antonia from Antonius, only the initials agreeing, no given name
	// on one side, or the given name (exact or close) under a marriage
	// name, or the name without a birth date.
	for name, q := range map[string]Pattern{
		"a close given name, sex unknown":                 {bsnDisagree, familyExact, firstClose, birthExact, 0, postcodeExact, houseAgree},
		"only the initials agreeing":                      {bsnDisagree, familyExact, firstInitials, birthExact, sexAgree, postcodeExact, houseAgree},
		"no given name on one side":                       {bsnDisagree, familyPartial, 0, birthExact, sexAgree, postcodeExact, houseAgree},
		"another family name":                             {bsnDisagree, familyDisagree, firstExact, birthExact, sexAgree, postcodeExact, houseAgree},
		"another family name, given name close":           {bsnDisagree, familyDisagree, firstClose, birthExact, sexAgree, postcodeExact, houseAgree},
		"a close given name, no house number on one side": {bsnDisagree, familyExact, firstClose, birthExact, 0, postcodeExact, 0},
		"the name, no birth date":                         {bsnDisagree, familyExact, firstExact, 0, sexAgree, postcodeExact, houseAgree},
		"the name close, no birth date":                   {bsnDisagree, familyClose, firstClose, 0, 0, postcodeExact, houseAgree},
		"the name, the birth date wrong in one part":      {bsnDisagree, familyExact, firstExact, birthTwoOfThree, sexAgree, postcodeExact, houseAgree},
		"the name, day and month swapped":                 {bsnDisagree, familyClose, firstClose, birthSwapped, 0, postcodeExact, 0},
		"another given name (twins)":                      {bsnDisagree, familyExact, firstDisagree, birthExact, 0, postcodeExact, houseAgree},
		"a call name (twins, or Kees and Cornelis)":       {bsnDisagree, familyExact, firstCallName, birthExact, sexAgree, postcodeExact, houseAgree},
	} {
		if s := m.Score(q); s < m.Lower || s >= m.Upper {
			t.Errorf("%s with two valid BSNs at one address: score %.1f; want a review", name, s)
		}
	}
	for name, q := range map[string]Pattern{
		"Antonia and Antonius (twins)":        {bsnDisagree, familyExact, firstClose, birthExact, sexDisagree, postcodeExact, houseAgree},
		"another birth date (father and son)": {bsnDisagree, familyExact, firstExact, birthDisagree, sexAgree, postcodeExact, houseAgree},
		"another family name, moved":          {bsnDisagree, familyDisagree, firstExact, birthExact, sexAgree, 3, 0},
		"a call name, moved":                  {bsnDisagree, familyExact, firstCallName, birthExact, sexAgree, 3, 0},
		"the name, a date typo, moved":        {bsnDisagree, familyExact, firstExact, birthTwoOfThree, sexAgree, 3, 0},
		"another given name, a date typo":     {bsnDisagree, familyExact, firstDisagree, birthTwoOfThree, sexAgree, postcodeExact, houseAgree},
		"no birth date, another given name":   {bsnDisagree, familyExact, firstDisagree, 0, sexAgree, postcodeExact, houseAgree},
		"no birth date, another house number": {bsnDisagree, familyExact, firstExact, 0, sexAgree, postcodeExact, houseDisagree},
	} {
		if s := m.Score(q); s >= m.Lower {
			t.Errorf("%s with two valid BSNs: score %.1f; want a new person", name, s)
		}
	}
}

// TestSwappedNamesWithTypo: a swap with a typo in one of the names, or a
// small one in each, compares as close for both; a different name swapped
// in is no swap.
func TestSwappedNamesWithTypo(t *testing.T) {
	for _, c := range [][4]string{
		{"Jansen", "Pieter", "Pieter", "Janssen"},
		{"Hannagan", "Mikhayla", "Mikhayla", "Hannaan"},
		{"Mccarthy", "Timothy", "Timothy", "Mccarrhy"},
		{"Schoonderwoerd", "Johanna", "Johana", "Schoonderwoert"},
	} {
		p := compareAs(t, rec("", c[0], c[1], "1960-01-01", "1234 AB"), rec("", c[2], c[3], "1960-01-01", "1234 AB"))
		if p[cmpFamily] != familyClose || p[cmpFirst] != firstClose {
			t.Errorf("%s %s / %s %s: family %s, given %s; want close, close", c[0], c[1], c[2], c[3],
				levelNames[cmpFamily][p[cmpFamily]], levelNames[cmpFirst][p[cmpFirst]])
		}
	}
	p := compareAs(t, rec("", "Jansen", "Pieter", "1960-01-01", "1234 AB"), rec("", "Pieter", "Bakker", "1960-01-01", "1234 AB"))
	if p[cmpFamily] != 4 || p[cmpFirst] != firstDisagree {
		t.Errorf("Jansen Pieter / Pieter Bakker: %v; want both disagree", p)
	}
	// A record stored before the given name's Bloom filter was kept.
	k := newKit(t)
	a := encodeAs(t, k, testOwner, rec("", "Jansen", "Pieter", "1960-01-01", "")...)
	b := encodeAs(t, k, testOwner, rec("", "Pieter", "Janssen", "1960-01-01", "")...)
	b.Features.GivenBloom = Bloom{}
	if l := swapped(&a.Features, &b.Features); l != 0 {
		t.Errorf("a swap with a typo against a record without GivenBloom: level %d; want none", l)
	}
}

// TestPostcodeTransposed: a postcode with its digits in another order and
// the same letters is a typo of it, and still shares the date + postcode
// blocking key: registered one after the other, a record with that typo and
// its names swapped with a typo links.
func TestPostcodeTransposed(t *testing.T) {
	p := compareAs(t, rec("", "Jansen", "Piet", "1960-01-01", "2086 AB"), rec("", "Jansen", "Piet", "1960-01-01", "2068 AB"))
	if p[cmpPostcode] != postcodeTypo {
		t.Fatalf("2086 AB / 2068 AB: postcode %s; want typo", levelNames[cmpPostcode][p[cmpPostcode]])
	}
	for _, other := range []string{"2068 AC", "2087 AB", "BE-2068"} {
		p := compareAs(t, rec("", "Jansen", "Piet", "1960-01-01", "2086 AB"), rec("", "Jansen", "Piet", "1960-01-01", other))
		if p[cmpPostcode] == postcodeTypo || p[cmpPostcode] == postcodeExact {
			t.Errorf("2086 AB / %s: postcode %s; want neither exact nor typo", other, levelNames[cmpPostcode][p[cmpPostcode]])
		}
	}
	wantLinked(t, "swapped names with a typo, postcode digits transposed",
		rec("", "Westbrook", "Jake", "1900-11-15", "2074 AB"), rec("", "Jake", "Westbrok", "1900-11-15", "2704 AB"))
}

// TestBSNWithTypos: a BSN agreement with a birth date wrong in more than one
// part links when the name agrees through a typo, at the same address or
// elsewhere (a family name exact links so already; whoever knows the BSN
// and given name knows the family name); with another family name it stays
// a review (TestBSNAloneDoesNotOverride), and so it does with a typo and
// another given name.
func TestBSNWithTypos(t *testing.T) {
	m := DefaultModel()
	for name, p := range map[string]Pattern{
		"at the address":     {bsnAgree, familyPartial, firstExact, birthDisagree, 0, postcodeExact, houseAgree},
		"at another address": {bsnAgree, familyPartial, firstExact, birthDisagree, 0, 3, 0},
	} {
		if s := m.Score(p); s < m.Upper {
			t.Errorf("BSN, a family-name typo, given name %s, another birth date: score %.1f; want a link", name, s)
		}
	}
	for name, q := range map[string]Pattern{
		"another family name":          {bsnAgree, 4, firstExact, birthDisagree, 0, postcodeExact, houseAgree},
		"the typo, another given name": {bsnAgree, familyPartial, firstDisagree, birthDisagree, 0, postcodeExact, houseAgree},
	} {
		if s := m.Score(q); s >= m.Upper {
			t.Errorf("BSN with %s and another birth date: score %.1f; want at most a review", name, s)
		}
	}
}

// TestInitialsAsGivenNames: given names that are the record's initials
// written out ("ACN" with initials A.C.N.) are initials, not a name; a name
// with its own initial ("Eva", E.) stays a name, and so do capitals without
// an initials field to confirm them.
func TestInitialsAsGivenNames(t *testing.T) {
	k := newKit(t)
	parse := func(given, initials string) Input {
		t.Helper()
		var in Input
		values := []string{"06000001", "1", "", "Jansen", given, initials, "1960-01-01", "F", "1234 AB", "1"}
		if problems := k.parser.Parse(nil, values, "1", &in); identity.Rejected(problems) {
			t.Fatalf("%s / %s: %v", given, initials, problems)
		}
		return in
	}
	if g := parse("ACN", "A.C.N.").Given; g.First != "" || g.Initials != "acn" {
		t.Errorf("ACN with initials A.C.N.: %+v; want initials acn only", g)
	}
	if g := parse("Eva", "E.").Given; g.First != "eva" || g.Initials != "e" {
		t.Errorf("Eva with initials E.: %+v; want the name", g)
	}
	if g := parse("Ada", "").Given; g.First != "ada" {
		t.Errorf("Ada without initials: %+v; want the name", g)
	}
	if g := parse("", "A.C.N.").Given; g.Initials != "acn" {
		t.Errorf("initials only: %+v", g)
	}
}

// TestOppositeSex: the other sex with a given name that is not the same
// (Antonia and Antonius, or the same initial) is a brother and sister at
// most a review without a BSN agreement; with the same given name it is a
// sex recorded wrongly, and links.
func TestOppositeSex(t *testing.T) {
	m := DefaultModel()
	for _, first := range []uint8{firstClose, firstInitials, 0} {
		p := Pattern{0, familyExact, first, birthExact, sexDisagree, postcodeExact, houseAgree}
		if s := m.Score(p); s >= m.Upper || s < m.Lower {
			t.Errorf("the other sex, given name %s, at one address: score %.1f; want a review", levelNames[cmpFirst][first], s)
		}
		p[cmpBSN] = bsnAgree
		if s := m.Score(p); s < m.Upper {
			t.Errorf("the other sex, given name %s, BSN agrees: score %.1f; want a link", levelNames[cmpFirst][first], s)
		}
	}
	p := Pattern{0, familyExact, firstExact, birthExact, sexDisagree, postcodeExact, houseAgree}
	if s := m.Score(p); s < m.Upper {
		t.Errorf("the other sex, the same given name: score %.1f; want a link", s)
	}
}

// TestFirstNameWithOtherInitials: the same first given name with other
// initials (Brahim, Brahim Rachid) is close, not exact: a second name left
// out, or a father and son of one first name. With the same initials, or
// initials on one side only, it is exact.
func TestFirstNameWithOtherInitials(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want uint8
	}{
		{"Brahim", "Brahim Rachid", firstClose},
		{"Brahim Rachid", "Brahim Rachid", firstExact},
		{"Jan Pieter", "Jan Paul", firstExact}, // J.P. both
	} {
		p := compareAs(t, rec("", "El Khatib", c.a, "1960-01-01", "4750 JE"), rec("", "El Khatib", c.b, "1960-01-01", "4750 JE"))
		if p[cmpFirst] != c.want {
			t.Errorf("%s / %s: given name %s; want %s", c.a, c.b, levelNames[cmpFirst][p[cmpFirst]], levelNames[cmpFirst][c.want])
		}
	}
}

// TestHouseholdMember: under one family name at one address, another birth
// date with another given name, or the other sex (with a given name or
// without) is a parent, child or partner: a new person, not a review item,
// unless the BSN agrees. A birth date that is wrong with the given name
// agreeing is still a review, and so is one with no given name on one
// side and the sexes not disagreeing at the same postcode with no other
// house number; elsewhere, or under another family name, that is a new
// person.
func TestHouseholdMember(t *testing.T) {
	m := DefaultModel()
	at := func(first, sex uint8) Pattern {
		return Pattern{0, familyExact, first, birthDisagree, sex, postcodeExact, houseAgree}
	}
	for name, p := range map[string]Pattern{
		"another given name":                  at(firstDisagree, sexAgree),
		"no given name, other sex":            at(0, sexDisagree),
		"same initial, the other sex":         at(firstInitials, sexDisagree),
		"no given name, another house number": {0, familyExact, 0, birthDisagree, sexAgree, postcodeExact, houseDisagree},
		"no given name, another family name":  {0, familyDisagree, 0, birthDisagree, sexAgree, postcodeExact, houseAgree},
	} {
		if s := m.Score(p); s >= m.Lower {
			t.Errorf("%s and another birth date at one address: score %.1f; want a new person", name, s)
		}
		p[cmpBSN] = bsnAgree
		if s := m.Score(p); s < m.Lower {
			t.Errorf("%s and another birth date with the BSN agreeing: score %.1f; want at least a review", name, s)
		}
	}
	if s := m.Score(at(firstExact, sexAgree)); s < m.Lower || s >= m.Upper {
		t.Errorf("the given name with another birth date at one address: score %.1f; want a review", s)
	}
	for _, sex := range []uint8{sexAgree, 0} {
		if s := m.Score(at(0, sex)); s < m.Lower || s >= m.Upper {
			t.Errorf("no given name on one side (sex %s) with another birth date at one address: score %.1f; want a review", levelNames[cmpSex][sex], s)
		}
	}
	// So with the house number missing on one side.
	if s := m.Score(Pattern{0, familyExact, 0, birthDisagree, sexAgree, postcodeExact, 0}); s < m.Lower || s >= m.Upper {
		t.Errorf("no given name on one side with another birth date at one postcode, one house number missing: score %.1f; want a review", s)
	}
}

// TestBlockingAtAnAddress: a record meets its person through the address
// when the family name changed and the birth date is wrong (postcode,
// house number and first initial), when its given name is missing and the
// birth date wrong (family-name sound and postcode), and, without a birth
// date, when the postcode's digits are transposed (family-name sound and
// postcode, digits sorted) or given and family name are swapped (the two
// name sounds with the postcode in place of the year).
func TestBlockingAtAnAddress(t *testing.T) {
	k := newKit(t)
	enc := func(family, given, birth, postcode string) Encoded {
		var in Input
		in.Family, _ = identity.ParseFamilyName(family)
		in.Given, _ = identity.ParseGivenNames(given)
		if birth != "" {
			in.Birth, _ = identity.ParseBirthDate(birth, identity.Date{Year: 2026, Month: 1, Day: 1})
		}
		in.Postcode, _ = identity.ParsePostcode(postcode)
		in.House, _ = identity.ParseHouseNumber("47")
		return k.enc.Encode(&in)
	}
	for _, c := range []struct {
		what string
		a, b Encoded
	}{
		{"a married name and a wrong birth date", enc("Wilde", "Sebastiaan", "1927-04-28", "3929 AB"), enc("de Vries", "Sebastiaan", "1972-08-14", "3929 AB")},
		{"no given name and a wrong birth date", enc("Wilde", "", "1927-04-28", "3929 AB"), enc("Wilde", "Sebastiaan", "1972-07-28", "3929 AB")},
		{"no birth date, postcode digits transposed", enc("Wilde", "Sebastiaan", "", "3929 AB"), enc("Wilde", "Sebastiaan", "", "3992 AB")},
		{"no birth date, names swapped", enc("Kexel", "Amber", "", "4061 AB"), enc("Amber", "Kexel", "", "4061 AB")},
	} {
		if !slices.ContainsFunc(c.a.Blocks, func(k uint64) bool { return contains(c.b.Blocks, k) }) {
			t.Errorf("%s: no blocking key shared", c.what)
		}
	}
}

// TestTwinApart: initials on one side of which only the first agrees with
// the other side's given names (J.P. against Johan) are first_initial, not
// initials; with the family name and birth date agreeing at another
// postcode area that, and no given name on one side, is a twin living
// elsewhere as much as the same person moved, so a review, not a link,
// without a BSN agreement. All initials agreeing (J.P. against Jan Pieter)
// still links, and so does a missing given name within one postcode area.
func TestTwinApart(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want uint8
	}{
		{"J.P.", "Johan", firstInitial},
		{"J.P.", "Jan Pieter", firstInitials},
		{"J.", "Jan", firstInitials},
		{"K.", "Jan", firstDisagree},
	} {
		p := compareAs(t, rec("", "de Jong", c.a, "1960-01-01", "4750 JE"), rec("", "de Jong", c.b, "1960-01-01", "9471 KL"))
		if p[cmpFirst] != c.want {
			t.Errorf("%s / %s: given name %s; want %s", c.a, c.b, levelNames[cmpFirst][p[cmpFirst]], levelNames[cmpFirst][c.want])
		}
	}
	m := DefaultModel()
	apart := Pattern{0, familyExact, firstInitial, birthExact, sexAgree, postcodeDisagree, 0}
	if s := m.Score(apart); s < m.Lower || s >= m.Upper {
		t.Errorf("family name, birth date and only the first initial at another postcode: score %.1f; want a review", s)
	}
	apart[cmpBSN] = bsnAgree
	if s := m.Score(apart); s < m.Upper {
		t.Errorf("the same with the BSN agreeing: score %.1f; want a link", s)
	}
	if s := m.Score(Pattern{0, familyExact, 0, birthExact, sexAgree, postcodeDisagree, 0}); s < m.Lower || s >= m.Upper {
		t.Errorf("family name and birth date, no given name on one side, at another postcode: score %.1f; want a review", s)
	}
	if s := m.Score(Pattern{0, familyExact, 0, birthExact, sexAgree, 2, 0}); s < m.Upper {
		t.Errorf("family name and birth date, no given name on one side, in the same area: score %.1f; want a link", s)
	}
	if s := m.Score(Pattern{0, familyExact, firstInitials, birthExact, sexAgree, postcodeDisagree, 0}); s < m.Upper {
		t.Errorf("family name, birth date and all initials at another postcode: score %.1f; want a link", s)
	}
}

// TestAnotherPersonsBSN: a BSN that agrees with the other sex, another
// given name and another birth date under one family name at one address
// is a household member's BSN on the record: a review, not a link. With
// the given name or the sex agreeing, the BSN links through the wrong
// birth date.
func TestAnotherPersonsBSN(t *testing.T) {
	m := DefaultModel()
	at := func(first, sex uint8) Pattern {
		return Pattern{bsnAgree, familyExact, first, birthDisagree, sex, postcodeExact, houseAgree}
	}
	for name, p := range map[string]Pattern{
		"another given name":     at(firstDisagree, sexDisagree),
		"no given name":          at(0, sexDisagree),
		"only the same initials": at(firstInitials, sexDisagree),
	} {
		if s := m.Score(p); s < m.Lower || s >= m.Upper {
			t.Errorf("BSN agreeing, the other sex, %s, another birth date: score %.1f; want a review", name, s)
		}
	}
	for name, p := range map[string]Pattern{
		"the same given name, the other sex": at(firstExact, sexDisagree),
		"another given name, the same sex":   at(firstDisagree, sexAgree),
	} {
		if s := m.Score(p); s < m.Upper {
			t.Errorf("BSN agreeing, %s, another birth date: score %.1f; want a link", name, s)
		}
	}
}

// TestMoveWithSurnameTypo: a record that moved and whose family name has
// a typo that changes its sound (Brinkhorst, Brimkhorst) meets its person
// through birth date, first-name sound and the surname sound's first
// letter, and links: family name close, given name and birth date exact.
func TestMoveWithSurnameTypo(t *testing.T) {
	wantLinked(t, "a move and a surname typo", rec("", "Brinkhorst", "Sebastiaan", "1960-03-14", "1234 AB"), rec("", "Brimkhorst", "Sebastiaan", "1960-03-14", "9876 KL"))
}

// TestCloseNameElsewhere: at another postcode area without a BSN, a birth
// date with a given name that is only close and a family name partly
// alike, or an exact given name with a family name partly alike, is a
// review; a close given name under another family name is a new person
// (strangers born on one day with one first name). A family name that is
// close, with the given name, still links.
func TestCloseNameElsewhere(t *testing.T) {
	m := DefaultModel()
	at := func(family, first uint8) Pattern {
		return Pattern{0, family, first, birthExact, sexAgree, postcodeDisagree, 0}
	}
	for name, p := range map[string]Pattern{
		"family name partly alike, given name close": at(familyPartial, firstClose),
		"family name partly alike, given name exact": at(familyPartial, firstExact),
	} {
		if s := m.Score(p); s < m.Lower || s >= m.Upper {
			t.Errorf("%s, birth date, another area: score %.1f; want a review", name, s)
		}
	}
	if s := m.Score(at(familyDisagree, firstClose)); s >= m.Lower {
		t.Errorf("another family name, given name close, birth date, another area: score %.1f; want a new person", s)
	}
	if s := m.Score(at(familyClose, firstExact)); s < m.Upper {
		t.Errorf("family name close, given name exact, birth date, another area: score %.1f; want a link", s)
	}
}

// TestBSNWithGivenNameAtAddress: without a birth date, a BSN that agrees
// links with the given name at the same postcode and house number under
// another family name (a marriage name); elsewhere, or with the given name
// only close, it is a review.
func TestBSNWithGivenNameAtAddress(t *testing.T) {
	m := DefaultModel()
	p := Pattern{bsnAgree, familyDisagree, firstExact, 0, 0, postcodeExact, houseAgree}
	if s := m.Score(p); s < m.Upper {
		t.Errorf("BSN, given name at the address, another family name, no birth date: score %.1f; want a link", s)
	}
	for name, q := range map[string]Pattern{
		"another house number": {bsnAgree, familyDisagree, firstExact, 0, 0, postcodeExact, houseDisagree},
		"given name close":     {bsnAgree, familyDisagree, firstClose, 0, 0, postcodeExact, houseAgree},
		"another postcode":     {bsnAgree, familyDisagree, firstExact, 0, 0, postcodeDisagree, 0},
	} {
		if s := m.Score(q); s < m.Lower || s >= m.Upper {
			t.Errorf("BSN, %s, another family name, no birth date: score %.1f; want a review", name, s)
		}
	}
}

// TestBSNTypoWithName: a BSN with a typo and the name it belongs to link
// through a birth date wrong in two parts (as a BSN that agrees does);
// without the BSN, or with another given name, that is at most a review.
func TestBSNTypoWithName(t *testing.T) {
	m := DefaultModel()
	p := Pattern{bsnTypo, familyExact, firstExact, birthDisagree, 0, postcodeExact, houseAgree}
	if s := m.Score(p); s < m.Upper {
		t.Errorf("a BSN typo with family and given name, another birth date: score %.1f; want a link", s)
	}
	for name, q := range map[string]Pattern{
		"no BSN":             {0, familyExact, firstExact, birthDisagree, 0, postcodeExact, houseAgree},
		"another given name": {bsnTypo, familyExact, firstDisagree, birthDisagree, 0, postcodeExact, houseAgree},
	} {
		if s := m.Score(q); s >= m.Upper {
			t.Errorf("%s, family name, another birth date: score %.1f; want at most a review", name, s)
		}
	}
}

// TestFamilyNameSound: a family name partly alike that sounds the same
// (Meijer, Meyer) is the level sound, which counts as the same family
// name (sameFamily): with the given name and birth date it links at
// another postcode area; with a given name only close there it is a
// review (closeNameElsewhere). Partly alike without the sound is partial,
// and so is less alike with the sound.
func TestFamilyNameSound(t *testing.T) {
	p := compareAs(t, rec("", "Meijer", "Anna", "1960-01-01", "1234 AB"), rec("", "Meyer", "Anna", "1960-01-01", "9876 KL"))
	if p[cmpFamily] != familySound {
		t.Errorf("Meijer / Meyer: family name %s; want sound", levelNames[cmpFamily][p[cmpFamily]])
	}
	// Less alike but sounding the same (Schmidt, Smit): partly alike.
	p = compareAs(t, rec("", "Schmidt", "Anna", "1960-01-01", "1234 AB"), rec("", "Smit", "Anna", "1960-01-01", "9876 KL"))
	if p[cmpFamily] != familyPartial {
		t.Errorf("Schmidt / Smit: family name %s; want partial", levelNames[cmpFamily][p[cmpFamily]])
	}
	m := DefaultModel()
	if s := m.Score(Pattern{0, familySound, firstExact, birthExact, sexAgree, postcodeDisagree, 0}); s < m.Upper {
		t.Errorf("family name sounding the same, given name, birth date, another area: score %.1f; want a link", s)
	}
	if s := m.Score(Pattern{0, familySound, firstClose, birthExact, sexAgree, postcodeDisagree, 0}); s < m.Lower || s >= m.Upper {
		t.Errorf("family name sounding the same, given name close, birth date, another area: score %.1f; want a review", s)
	}
	if s := m.Score(Pattern{0, familyPartial, firstExact, birthExact, sexAgree, postcodeDisagree, 0}); s >= m.Upper {
		t.Errorf("family name partly alike, given name, birth date, another area: score %.1f; want at most a review", s)
	}
}

// TestGivenNameSound: given names spelled apart that sound the same
// (Catherine, Kathryn) are close, not disagreeing; names of other sounds
// (Kees, Piet) still disagree.
func TestGivenNameSound(t *testing.T) {
	p := compareAs(t, rec("", "Jansen", "Catherine", "1960-01-01", "1234 AB"), rec("", "Jansen", "Kathryn", "1960-01-01", "1234 AB"))
	if p[cmpFirst] != firstClose {
		t.Errorf("Catherine / Kathryn: given name %s; want close", levelNames[cmpFirst][p[cmpFirst]])
	}
	p = compareAs(t, rec("", "Jansen", "Kees", "1960-01-01", "1234 AB"), rec("", "Jansen", "Piet", "1960-01-01", "1234 AB"))
	if p[cmpFirst] != firstDisagree {
		t.Errorf("Kees / Piet: given name %s; want disagree", levelNames[cmpFirst][p[cmpFirst]])
	}
}

// TestBSNWithFamilyNameAtAddress: without a birth date, a BSN that agrees
// links with the family name at the same postcode (or one with its digits
// transposed) and house number when the given name is another (written
// otherwise, or in the wrong field); with another house number, at another
// postcode, with the other sex, or with another family name too, it is a
// review.
func TestBSNWithFamilyNameAtAddress(t *testing.T) {
	m := DefaultModel()
	for name, p := range map[string]Pattern{
		"family name exact":   {bsnAgree, familyExact, firstDisagree, 0, 0, postcodeExact, houseAgree},
		"family name close":   {bsnAgree, familyClose, firstDisagree, 0, 0, postcodeExact, houseAgree},
		"postcode transposed": {bsnAgree, familyExact, firstDisagree, 0, 0, postcodeTypo, houseAgree},
	} {
		if s := m.Score(p); s < m.Upper {
			t.Errorf("BSN, %s at the address, another given name, no birth date: score %.1f; want a link", name, s)
		}
	}
	for name, q := range map[string]Pattern{
		"another house number": {bsnAgree, familyExact, firstDisagree, 0, 0, postcodeExact, houseDisagree},
		"another postcode":     {bsnAgree, familyExact, firstDisagree, 0, 0, postcodeDisagree, 0},
		"the other sex":        {bsnAgree, familyExact, firstDisagree, 0, sexDisagree, postcodeExact, houseAgree},
		"another family name":  {bsnAgree, familyDisagree, firstDisagree, 0, 0, postcodeExact, houseAgree},
		"no BSN":               {0, familyExact, firstDisagree, 0, 0, postcodeExact, houseAgree},
	} {
		if s := m.Score(q); s >= m.Upper {
			t.Errorf("BSN, family name, another given name, no birth date, %s: score %.1f; want at most a review", name, s)
		}
	}
}

// TestBSNTypoMeetsItsPerson: a record with a BSN typo meets its person's
// earlier record with the valid BSN through the typo's corrections, also
// when no other blocking key is shared (another family name, another
// address), and links on the typo, given name and birth date.
func TestBSNTypoMeetsItsPerson(t *testing.T) {
	wantLinked(t, "a BSN typo, another family name and address",
		rec("123456782", "Jansen", "Piet", "1960-01-01", "1234 AB"),
		rec("123456783", "Bakker", "Piet", "1960-01-01", "9876 KL"))
}

// TestTyposWithoutAddress: one family name, a given name only close and a
// birth date with one part other, with no postcode on one side and no BSN
// to agree, is a review, not a link: at eleven million persons most such
// links were strangers (ttpeval -speed-links). With the postcode on both
// sides, the given name exact, or the BSN agreeing, it links as before.
func TestTyposWithoutAddress(t *testing.T) {
	p := compareAs(t, rec("", "Jansen", "Johan", "1950-03-12", ""), rec("", "Jansen", "Johan", "1950-04-12", "1234 AB"))
	p[cmpFirst] = firstClose // as "Johan" against "Johann"
	if p[cmpBirth] != birthTwoOfThree || p[cmpPostcode] != 0 {
		t.Fatalf("pattern %v; want a birth date with one part other and no postcode on one side", p.Levels())
	}
	m := DefaultModel()
	before := m.weights
	var s float64
	for c, l := range p {
		s += before[c][l]
	}
	if s < m.Upper {
		t.Fatalf("the pattern's weight %.1f is below the link threshold: the guard is not what decides it", s)
	}
	if got := m.Score(p); got < m.Lower || got >= m.Upper {
		t.Errorf("%v: score %.1f; want a review", p.Levels(), got)
	}
	for _, other := range []struct {
		c, l int
		what string
	}{{cmpFirst, firstExact, "the given name exact"}, {cmpBSN, bsnAgree, "the BSN agreeing"}, {cmpPostcode, postcodeExact, "the postcode on both sides, agreeing"}} {
		q := p
		q[other.c] = uint8(other.l)
		if got := m.Score(q); got < m.Upper {
			t.Errorf("with %s: score %.1f; want a link", other.what, got)
		}
	}
}

// TestSwappedElsewhere: the family name with a birth date whose day and
// month are swapped, at another postcode area, with a given name that is
// not the same, weighs enough to link, and goes to a clerk; with the given
// name exact, the BSN agreeing, or the same area, it links.
func TestSwappedElsewhere(t *testing.T) {
	p := compareAs(t, rec("", "Jansen", "Johan", "1950-03-12", "1234 AB"), rec("", "Jansen", "", "1950-12-03", "9876 ZX"))
	if p[cmpBirth] != birthSwapped || p[cmpPostcode] != postcodeDisagree || p[cmpFirst] == firstExact {
		t.Fatalf("pattern %v; want day and month swapped, another area and a given name not the same", p.Levels())
	}
	m := DefaultModel()
	for _, first := range []uint8{0, firstClose, firstInitials} {
		q := p
		q[cmpFirst] = first
		var s float64
		for c, l := range q {
			s += m.weights[c][l]
		}
		if s < m.Upper {
			t.Fatalf("%v: weight %.1f below the link threshold: the guard is not what decides it", q.Levels(), s)
		}
		if got := m.Score(q); got < m.Lower || got >= m.Upper {
			t.Errorf("%v: score %.1f; want a review", q.Levels(), got)
		}
	}
	q := p
	q[cmpFirst] = firstClose
	for _, other := range []struct {
		c, l int
		what string
	}{{cmpFirst, firstExact, "the given name exact"}, {cmpBSN, bsnAgree, "the BSN agreeing"}, {cmpPostcode, 2, "the same area"}} {
		r := q
		r[other.c] = uint8(other.l)
		if got := m.Score(r); got < m.Upper {
			t.Errorf("with %s: score %.1f; want a link", other.what, got)
		}
	}
}
