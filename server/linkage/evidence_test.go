package linkage

import (
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
// to the person whose BSN, family name and given name it has; with the BSN
// and another family or given name, or with the name and no BSN agreement,
// it is at most a review: a BSN someone knows does not attach their records
// to its person, and namesakes (father and son) are not told apart without
// a date.
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
	// The name and address agree, no BSN on one side, no birth date.
	p := Pattern{0, familyExact, firstExact, 0, sexAgree, postcodeExact, houseAgree}
	if s := m.Score(p); s >= m.Upper {
		t.Errorf("name and address without BSN or birth date: score %.1f; want at most a review", s)
	}
	// The BSN with its name through a typo (Musolino, Musloino) and
	// initials only: linked, without an address too.
	p = Pattern{bsnAgree, familyPartial, firstInitials, 0, 0, 0, 0}
	if s := m.Score(p); s < m.Upper {
		t.Errorf("BSN, a family-name typo, initials, no birth date: score %.1f; want a link", s)
	}
}
