package linkage

import (
	"slices"
	"testing"

	"github.com/ttpnl/ttp/identity"
)

// TestMinimumEvidenceWithoutBirthDate: without a birth date a record needs a
// valid BSN with the family name and a given name or initials. The probes
// the rule exists for stay refused: a BSN alone or with only a family name
// or only a given name, an invalid BSN with a name, a name with an address.
func TestMinimumEvidenceWithoutBirthDate(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []string // bsn, family, given, postcode
		ok     bool
	}{
		{"BSN, family name, given name", []string{"300000005", "Jansen", "Piet", ""}, true},
		{"BSN, family name, initials", []string{"300000005", "Jansen", "P.", ""}, true},
		{"lone BSN", []string{"300000005", "", "", ""}, false},
		{"BSN and family name", []string{"300000005", "Jansen", "", ""}, false},
		{"BSN, family name, postcode", []string{"300000005", "Jansen", "", "1234 AB"}, false},
		{"BSN and given name", []string{"300000005", "", "Piet", "1234 AB"}, false},
		{"invalid BSN, family name, given name", []string{"300000006", "Jansen", "Piet", ""}, false},
		{"family name, given name, postcode", []string{"", "Jansen", "Piet", "1234 AB"}, false},
	} {
		v := c.values
		wantEvidence(t, c.name+" without a birth date", c.ok, v[0], v[1], v[2], "", v[3])
	}
}

// TestMinimumEvidenceAtAnAddress: a full name at a postcode and house
// number, or a given name with a birth date there, is minimum evidence
// without a BSN (docs/threat-model.md, "Why a name at an address"); less
// is not.
func TestMinimumEvidenceAtAnAddress(t *testing.T) {
	for _, c := range []struct {
		name                                  string
		family, given, birth, postcode, house string
		ok                                    bool
	}{
		{"family name, given name, postcode, house number", "Jansen", "Piet", "", "1234 AB", "12", true},
		{"given name, birth date, postcode, house number", "", "Piet", "1960-01-01", "1234 AB", "12", true},
		{"family name, initials, postcode, house number", "Jansen", "P.", "", "1234 AB", "12", false},
		{"family name, given name, house number", "Jansen", "Piet", "", "", "12", false},
		{"family name, postcode, house number", "Jansen", "", "", "1234 AB", "12", false},
		{"given name, postcode, house number", "", "Piet", "", "1234 AB", "12", false},
		{"given name, birth date, postcode", "", "Piet", "1960-01-01", "1234 AB", "", false},
		{"initials, birth date, postcode, house number", "", "P.", "1960-01-01", "1234 AB", "12", false},
	} {
		var in Input
		in.Family, _ = identity.ParseFamilyName(c.family)
		in.Given, _ = identity.ParseGivenNames(c.given)
		if c.birth != "" {
			in.Birth, _ = identity.ParseBirthDate(c.birth, identity.Date{Year: 2026, Month: 1, Day: 1})
		}
		in.Postcode, _ = identity.ParsePostcode(c.postcode)
		in.House, _ = identity.ParseHouseNumber(c.house)
		if got := in.HasMinimumEvidence(); got != c.ok {
			t.Errorf("%s: minimum evidence %v; want %v", c.name, got, c.ok)
		}
	}
}

// TestNoBirthDateLinksOnNameAtAddress: without a BSN, a record without a
// birth date joins the person whose family name and whole given name it
// has at the same postcode and house number; a son of the same first given
// name there (other initials) is at most a review.
func TestNoBirthDateLinksOnNameAtAddress(t *testing.T) {
	fields := append(slices.Clone(trustFields), identity.FieldHouseNumber)
	p, err := NewParser(fields, testOwner, "", identity.Date{Year: 2026, Month: 1, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	k := newKit(t)
	encode := func(values ...string) Encoded {
		var in Input
		if problems := p.Parse(nil, values, "1", &in); identity.Rejected(problems) {
			t.Fatalf("%v rejected: %v", values, problems)
		}
		return k.enc.Encode(&in)
	}
	ix := openIndex(t)
	son := registerAll(t, ix, []Encoded{encode("06000001", "A1", "", "El Khatib", "Brahim Rachid", "1980-08-28", "M", "4750 JE", "1")})[0]
	father := registerAll(t, ix, []Encoded{encode("06000001", "A2", "", "El Khatib", "Brahim", "", "M", "4750 JE", "1")})[0]
	if father.Decision == Linked || father.Person == son.Person {
		t.Fatalf("the father's name at the son's address without a birth date: %v (score %.1f); want no link", father.Decision, father.Score)
	}
	r := registerAll(t, ix, []Encoded{encode("06000002", "B1", "", "El Khatib", "Brahim Rachid", "", "M", "4750 JE", "1")})[0]
	if r.Decision != Linked || r.Person != son.Person {
		t.Fatalf("the son's whole name at his address without a birth date: %v (score %.1f), son's person %v; want linked to the son",
			r.Decision, r.Score, r.Person == son.Person)
	}
}

// wantEvidence checks that a record of these values is accepted (ok) or
// refused for too little evidence.
func wantEvidence(t *testing.T, name string, ok bool, bsn, family, given, birth, postcode string) {
	t.Helper()
	_, problems := parseAs(t, testOwner, "06000001", "1", bsn, family, given, birth, "", postcode)
	if got := hasCode(problems, identity.CodeTooLittleEvidence); got == ok || identity.Rejected(problems) == ok {
		t.Errorf("%s: problems %v; want accepted %v", name, problems, ok)
	}
}

// TestNoBirthDateLinksOnlyOnBSNAndName: a record without a birth date links
// to the person whose BSN, family name and given name it has, or (see
// TestNoBirthDateLinksOnNameAtAddress) whose whole name it has at one
// address; with the BSN and another family or given name, or with the name
// and no BSN agreement elsewhere, it is at most a review: a BSN someone
// knows does not attach their records to its person, and namesakes (father
// and son) are not told apart without a date.
func TestNoBirthDateLinksOnlyOnBSNAndName(t *testing.T) {
	k := newKit(t)
	ix := openIndex(t)
	victim := encodeAs(t, k, testOwner, "06000001", "A1", "111222333", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB")
	same := encodeAs(t, k, testOwner, "06000001", "A2", "111222333", "van der Berg", "Jan", "", "", "")
	res := registerAll(t, ix, []Encoded{victim, same})
	if res[1].Decision != Linked || res[1].Person != res[0].Person {
		t.Fatalf("BSN, family name and given name without a date: %v (score %.1f); want linked", res[1].Decision, res[1].Score)
	}
	for name, values := range map[string][]string{
		"the BSN with another family name": {"06000001", "B1", "111222333", "Jansen", "Jan", "", "M", "1234 AB"},
		"the BSN with another given name":  {"06000001", "B2", "111222333", "van der Berg", "Karel", "", "M", "1234 AB"},
		"another valid BSN with the name":  {"06000001", "B3", "123456782", "van der Berg", "Jan", "", "M", "1234 AB"},
	} {
		r := registerAll(t, ix, []Encoded{encodeAs(t, k, testOwner, values...)})[0]
		if r.Decision == Linked || r.Person == res[0].Person {
			t.Errorf("%s without a date: %v (score %.1f); want no link", name, r.Decision, r.Score)
		}
	}
	m := DefaultModel()
	// The name with initials only, or a given name that is close (a typo,
	// or another second name), at the address, no BSN, no birth date: a
	// father and son may share them.
	for _, p := range []Pattern{
		{0, familyExact, firstInitials, 0, sexAgree, postcodeExact, houseAgree},
		{0, familyExact, firstClose, 0, sexAgree, postcodeExact, houseAgree},
		{0, familyExact, firstExact, 0, sexAgree, postcodeExact, houseDisagree},
		{0, familyExact, firstExact, 0, sexAgree, 3, 0}, // another postcode
	} {
		if s := m.Score(p); s >= m.Upper {
			t.Errorf("%v without BSN or birth date: score %.1f; want at most a review", p, s)
		}
	}
	// The BSN with its name through a typo (Musolino, Musloino) and
	// initials only: linked, without an address too.
	if s := m.Score(Pattern{bsnAgree, familyPartial, firstInitials, 0, 0, 0, 0}); s < m.Upper {
		t.Errorf("BSN, a family-name typo, initials, no birth date: score %.1f; want a link", s)
	}
}
