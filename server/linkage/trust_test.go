package linkage

import (
	"slices"
	"testing"

	"github.com/ttpnl/ttp/identity"
)

// trustFields are the fields of the records below, in their order.
var trustFields = []identity.Field{identity.FieldAGB, identity.FieldPatientNumber, identity.FieldBSN,
	identity.FieldFamilyName, identity.FieldGivenNames, identity.FieldBirthDate, identity.FieldSex, identity.FieldPostcode}

// parseAs parses one record of trustFields as owner would send it.
func parseAs(t *testing.T, owner Owner, values ...string) (Input, []identity.Problem) {
	t.Helper()
	p, err := NewParser(trustFields, owner, "", identity.Date{Year: 2026, Month: 1, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	var in Input
	problems := p.Parse(nil, values, "1", &in)
	return in, problems
}

// encodeAs parses and encodes one record that must be accepted.
func encodeAs(t *testing.T, k *testKit, owner Owner, values ...string) Encoded {
	t.Helper()
	in, problems := parseAs(t, owner, values...)
	if identity.Rejected(problems) {
		t.Fatalf("%v rejected: %v", values, problems)
	}
	return k.enc.Encode(&in)
}

func hasCode(ps []identity.Problem, c identity.Code) bool {
	return slices.ContainsFunc(ps, func(p identity.Problem) bool { return p.Code == c })
}

// TestSourceBelongsToOwner: the same patient number, or the same file name
// and row, sent by two organisations names two records (planting, and a
// shared -source).
func TestSourceBelongsToOwner(t *testing.T) {
	a, ok1 := SourceOf("hospital 1", "06000001:55555", "", "")
	b, ok2 := SourceOf("hospital 2", "06000001:55555", "", "")
	if !ok1 || !ok2 || a == b {
		t.Fatalf("one patient number from two organisations: %q, %q; want two sources", a, b)
	}
	a, _ = SourceOf("hospital 1", "", "export", "7")
	b, _ = SourceOf("hospital 2", "", "export", "7")
	if a == b {
		t.Fatal("one -source name and row from two organisations name one source")
	}
	if _, ok := SourceOf("", "06000001:55555", "", ""); ok {
		t.Fatal("a source without an owner")
	}
	if _, ok := SourceOf("a\x00b", "", "export", "7"); ok {
		t.Fatal("an owner with a NUL")
	}
}

// TestAGBCodesOfOwner: an organisation restricted to its AGB codes cannot
// register a patient number of another institution.
func TestAGBCodesOfOwner(t *testing.T) {
	owner := Owner{Organisation: "hospital 2", AGBCodes: []string{"06000002"}}
	values := []string{"06000001", "55555", "", "Fake", "Piet", "1970-01-01", "M", "1234 AB"}
	if _, problems := parseAs(t, owner, values...); !hasCode(problems, identity.CodeAGBNotOwned) {
		t.Fatalf("another institution's AGB: problems %v; want %s", problems, identity.CodeAGBNotOwned)
	}
	values[0] = "06000002"
	if _, problems := parseAs(t, owner, values...); identity.Rejected(problems) {
		t.Fatalf("its own AGB: %v", problems)
	}
	if _, problems := parseAs(t, Owner{Organisation: "unrestricted"}, values...); identity.Rejected(problems) {
		t.Fatalf("an organisation without a list: %v", problems)
	}
}

// TestMinimumEvidence: a record that cannot tell one person from many is
// refused, so a lone BSN cannot probe the index.
func TestMinimumEvidence(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []string // bsn, family, given, birth, postcode
		ok     bool
	}{
		{"lone BSN", []string{"300000005", "", "", "", ""}, false},
		{"BSN and family name", []string{"300000005", "Jansen", "", "", ""}, false},
		{"family name and birth date", []string{"", "Jansen", "", "1960-01-01", ""}, false},
		{"given name and birth date", []string{"", "", "Piet", "1960-01-01", ""}, false},
		{"BSN and birth date", []string{"300000005", "", "", "1960-01-01", ""}, true},
		{"family, birth date, given name", []string{"", "Jansen", "Piet", "1960-01-01", ""}, true},
		{"family, birth date, postcode", []string{"", "Jansen", "", "1960-01-01", "1234 AB"}, true},
	} {
		v := c.values
		wantEvidence(t, c.name, c.ok, v[0], v[1], v[2], v[3], v[4])
	}
}

// TestBSNAloneDoesNotOverride: a record that shares only a BSN with a
// registered person, and disagrees on family name and birth date, is not
// linked to that person: at most a review item.
func TestBSNAloneDoesNotOverride(t *testing.T) {
	k := newKit(t)
	ix := openIndex(t)
	victim := encodeAs(t, k, testOwner, "06000001", "A1", "111222333", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB")
	fake := encodeAs(t, k, testOwner, "06000001", "A2", "111222333", "Jansen", "Jan", "1960-07-01", "M", "1234 AB")
	res := registerAll(t, ix, []Encoded{victim, fake})
	if res[1].Decision == Linked || res[1].Person == res[0].Person {
		t.Fatalf("BSN-only match: %v, score %.1f, same person %v; want no link", res[1].Decision, res[1].Score, res[1].Person == res[0].Person)
	}
	if res[1].Decision != Review {
		t.Fatalf("BSN-only match: %v; want review", res[1].Decision)
	}
	// A BSN with a birth date typo in one part still links.
	typo := encodeAs(t, k, testOwner, "06000001", "A3", "111222333", "van der Berg", "Jan", "1956-03-15", "M", "1234 AB")
	if r := registerAll(t, ix, []Encoded{typo})[0]; r.Decision != Linked || r.Person != res[0].Person {
		t.Fatalf("BSN and a one-part date typo: %v; want linked", r.Decision)
	}
}

// TestKnownSourceConflict: a source sent again with values that disagree
// strongly is not silently answered with the old person: it becomes a
// person of its own with a review item against the stored record, and the
// same conflicting record sent again is known as that.
func TestKnownSourceConflict(t *testing.T) {
	k := newKit(t)
	ix := openIndex(t)
	orig := encodeAs(t, k, testOwner, "06000001", "55555", "111222333", "van der Berg", "Jan", "1956-03-14", "M", "1234 AB")
	// The same source, another patient.
	other := encodeAs(t, k, testOwner, "06000001", "55555", "", "Pietersma", "Klaas", "1988-11-02", "M", "9712 GP")
	// The same source, values corrected a little: the same record.
	corrected := encodeAs(t, k, testOwner, "06000001", "55555", "111222333", "van der Berg", "Jan", "1956-03-14", "M", "1234 AC")
	if orig.Source != other.Source || orig.Conflict == other.Conflict {
		t.Fatal("the records do not share a source, or share a conflict key")
	}
	first := registerAll(t, ix, []Encoded{orig})[0]
	res := registerAll(t, ix, []Encoded{other, corrected, orig})
	if res[0].Decision != Review || res[0].Person == first.Person || res[0].Candidate != first.Person {
		t.Fatalf("conflicting values under a known source: %v, same person %v; want review against it", res[0].Decision, res[0].Person == first.Person)
	}
	for i, r := range res[1:] {
		if r.Decision != Known || r.Person != first.Person {
			t.Fatalf("record %d: %v; want known as the first", i+1, r.Decision)
		}
	}
	items := reviews(t, ix)
	if len(items) != 1 || items[0].Person != res[0].Person || items[0].Candidate != first.Person {
		t.Fatalf("review items %+v; want one, the conflict against the stored record", items)
	}
	again := registerAll(t, ix, []Encoded{other, other})
	for _, r := range again {
		if r.Decision != Known || r.Person != res[0].Person {
			t.Fatalf("the conflicting record again: %v; want known as its own person", r.Decision)
		}
	}
	if s := stats(t, ix); s.Records != 2 || s.Persons != 2 {
		t.Fatalf("index %+v; want 2 records, 2 persons", s)
	}
	// Within one batch: a new source twice, with conflicting values.
	ix = openIndex(t)
	res = registerAll(t, ix, []Encoded{orig, other, other, orig})
	if res[1].Decision != Review || res[2].Decision != Known || res[2].Person != res[1].Person || res[3].Person != res[0].Person {
		t.Fatalf("one batch: %v %v %v %v", res[0].Decision, res[1].Decision, res[2].Decision, res[3].Decision)
	}
}

// TestConflictKeyDependsOnValues: the conflict key differs by the values
// and by the source, and from the source key.
func TestConflictKeyDependsOnValues(t *testing.T) {
	k := newKit(t)
	a := encodeAs(t, k, testOwner, "06000001", "1", "", "Jansen", "Piet", "1960-01-01", "M", "1234 AB")
	b := encodeAs(t, k, testOwner, "06000001", "1", "", "Jansen", "Piet", "1960-01-02", "M", "1234 AB")
	c := encodeAs(t, k, testOwner, "06000001", "2", "", "Jansen", "Piet", "1960-01-01", "M", "1234 AB")
	if a.Conflict == b.Conflict || a.Conflict == c.Conflict || a.Conflict == a.Source {
		t.Fatal("conflict keys collide")
	}
}
