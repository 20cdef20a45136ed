package synth

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/identity"
)

var today = identity.Date{Year: 2025, Month: 1, Day: 1}

func csvBytes(t testing.TB, cfg Config) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := WriteCSV(&b, NewPopulation(cfg).Records(), CSVOptions{Explain: true}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 1, Persons: 5000, Profile: DefaultProfile()}
	a, b := csvBytes(t, cfg), csvBytes(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatal("same config, different output")
	}
	cfg.Seed = 2
	if c := csvBytes(t, cfg); bytes.Equal(a, c) {
		t.Fatal("different seeds, same output")
	}
	// The two orders hold the same records.
	cfg.Seed = 1
	cfg.Order = ByPerson
	lines := func(b []byte) []string {
		l := strings.Split(strings.TrimSpace(string(b)), "\n")
		slices.Sort(l)
		return l
	}
	if !slices.Equal(lines(a), lines(csvBytes(t, cfg))) {
		t.Fatal("ByPerson and ByInstitution differ in content")
	}
}

// The first generator's output is pinned: others' tests and benchmarks use it.
func TestGeneratorUnchanged(t *testing.T) {
	g := New(1)
	h := sha256.New()
	for range 1000 {
		fmt.Fprintf(h, "%+v\n", g.Person())
	}
	fmt.Fprintf(h, "%s\n", g.BSN())
	if got := fmt.Sprintf("%x", h.Sum(nil))[:16]; got != "478afb98f94fb53c" {
		t.Errorf("Generator output changed: %s", got)
	}
}

func bsnValid(s string) bool {
	c, p := identity.ParseBSN(s)
	return p == nil && c == s
}

func TestPersons(t *testing.T) {
	pop := NewPopulation(Config{Seed: 7, Persons: 100_000})
	bsns := map[string]int64{}
	var noBSN, households, twins, sameNameCouples, women, partnerNames int
	byHousehold := map[int64][]Truth{}
	for tr := range pop.Persons() {
		if tr.BSN == "" {
			noBSN++
		} else {
			if !bsnValid(tr.BSN) {
				t.Fatalf("person %d: invalid BSN %q", tr.ID, tr.BSN)
			}
			if o, dup := bsns[tr.BSN]; dup {
				t.Fatalf("persons %d and %d share BSN %s", o, tr.ID, tr.BSN)
			}
			bsns[tr.BSN] = tr.ID
		}
		if tr.Sex == "F" {
			women++
			if tr.PartnerName != "" {
				partnerNames++
			}
		}
		if tr.Household != tr.ID || tr.Role != RoleSingle {
			byHousehold[tr.Household] = append(byHousehold[tr.Household], tr)
		}
		if got := pop.Truth(tr.ID); !equalTruth(got, tr) {
			t.Fatalf("Truth(%d) = %+v, Persons gave %+v", tr.ID, got, tr)
		}
	}
	if noBSN < 300 || noBSN > 700 {
		t.Errorf("%d persons without BSN, want about 500", noBSN)
	}
	for _, m := range byHousehold {
		if len(m) < 2 {
			continue
		}
		if m[0].Role == RoleTwin {
			twins++
			a, b := m[0], m[1]
			if a.BirthDate != b.BirthDate || a.BirthName != b.BirthName && !strings.HasSuffix(a.BirthName, "ka") && !strings.HasSuffix(b.BirthName, "ka") {
				t.Errorf("twins %+v and %+v", a, b)
			}
			if strings.Fields(a.GivenNames)[0] == strings.Fields(b.GivenNames)[0] {
				t.Errorf("twins with the same first name: %+v and %+v", a, b)
			}
			continue
		}
		households++
		for _, o := range m[1:] {
			if o.Postcode != m[0].Postcode || o.HouseNo != m[0].HouseNo {
				t.Errorf("household %d at different addresses: %+v", m[0].Household, m)
			}
		}
		if m[0].Role == RolePartner && len(m) >= 2 && m[0].FamilyName == m[1].FamilyName {
			sameNameCouples++
		}
	}
	t.Logf("households %d, twin pairs %d, couples sharing a family name %d, women %d with partner name %d",
		households, twins, sameNameCouples, women, partnerNames)
	if households < 5000 || twins < 300 || sameNameCouples < 1000 {
		t.Errorf("too few hard cases: households %d, twins %d, same-name couples %d", households, twins, sameNameCouples)
	}
	st := pop.Stats()
	if st.Households != int64(households) || st.TwinPairs != int64(twins) {
		t.Errorf("Stats households %d twins %d, counted %d %d", st.Households, st.TwinPairs, households, twins)
	}
}

func equalTruth(a, b Truth) bool {
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

func TestNameTables(t *testing.T) {
	cores := map[string]bool{}
	for _, n := range dutchFamilyNames {
		cores[n.core] = true
	}
	if len(cores) < 300 {
		t.Errorf("%d distinct Dutch cores in the top list, want >= 300", len(cores))
	}
	male, female := map[string]bool{}, map[string]bool{}
	for _, l := range [][]string{dutchMaleFormal, dutchMaleModern} {
		for _, n := range l {
			male[n] = true
		}
	}
	for _, l := range [][]string{dutchFemaleFormal, dutchFemaleModern} {
		for _, n := range l {
			female[n] = true
		}
	}
	for _, o := range origins[1:] {
		for _, n := range o.male {
			male[n] = true
		}
		for _, n := range o.female {
			female[n] = true
		}
		if len(o.family) < 15 {
			t.Errorf("origin with %d family names", len(o.family))
		}
	}
	if len(male)+len(female) < 200 {
		t.Errorf("%d+%d given names, want >= 200", len(male), len(female))
	}
	// Every name in the tables is a valid family or given name.
	for _, o := range origins {
		for _, n := range o.family {
			if _, p := identity.ParseFamilyName(n.String()); p != nil && p.Fatal() {
				t.Errorf("family name %q: %v", n, p)
			}
		}
	}
	for n := range male {
		if _, p := identity.ParseGivenNames(n); p != nil {
			t.Errorf("given name %q: %v", n, p)
		}
	}
}

// measure generates the default profile's records and checks them.
func TestCorruptionRates(t *testing.T) {
	prof := DefaultProfile()
	pop := NewPopulation(Config{Seed: 3, Persons: 70_000, Profile: prof}) // about 100,000 records
	var applied, eligible [numCorruptions]int
	n, clean := 0, 0
	for r := range pop.Records() {
		n++
		if r.Corruptions == 0 {
			clean++
		}
		for i := range numCorruptions {
			if r.eligible&(1<<i) != 0 {
				eligible[i]++
				if r.Corruptions&(1<<i) != 0 {
					applied[i]++
				}
			} else if r.Corruptions&(1<<i) != 0 {
				t.Fatalf("record %+v: %s applied but not eligible", r, Corruption(1<<i))
			}
		}
	}
	t.Logf("%d records, %.1f%% clean", n, 100*float64(clean)/float64(n))
	if n < 95_000 {
		t.Fatalf("only %d records", n)
	}
	if f := float64(clean) / float64(n); f < 0.55 || f > 0.8 {
		t.Errorf("%.2f of records clean, want about two in three", f)
	}
	for i, c := range AllCorruptions() {
		rate := prof.Rate(c)
		if eligible[i] < 1000 {
			t.Errorf("%s: only %d records eligible", c, eligible[i])
			continue
		}
		got := float64(applied[i]) / float64(eligible[i])
		tol := 4.5*math.Sqrt(rate*(1-rate)/float64(eligible[i])) + 1e-4
		t.Logf("%-20s rate %.4f measured %.4f of %6d eligible (%.1f%% of records)", c, rate, got, eligible[i], 100*float64(eligible[i])/float64(n))
		if math.Abs(got-rate) > tol {
			t.Errorf("%s: measured %.4f of %d, profile %.4f (tolerance %.4f)", c, got, eligible[i], rate, tol)
		}
	}
}

// Records, checked field by field against the ground truth with the
// identity parsers: clean fields give the truth's canonical form, and each
// corruption shows.
func TestRecordsAgainstTruth(t *testing.T) {
	pop := NewPopulation(Config{Seed: 5, Persons: 20_000, Profile: HeavyProfile()})
	canon := func(f func(string) (string, *identity.Problem), s string) string {
		c, p := f(s)
		if p != nil && p.Fatal() {
			return "!" + string(p.Code)
		}
		return c
	}
	fam := func(s string) (string, *identity.Problem) { n, p := identity.ParseFamilyName(s); return n.String(), p }
	giv := func(s string) (string, *identity.Problem) { n, p := identity.ParseGivenNames(s); return n.String(), p }
	date := func(s string) (string, *identity.Problem) {
		d, p := identity.ParseBirthDate(s, today)
		return d.String(), p
	}
	pc := func(s string) (string, *identity.Problem) { c, p := identity.ParsePostcode(s); return c.String(), p }
	hn := func(s string) (string, *identity.Problem) { c, p := identity.ParseHouseNumber(s); return c.String(), p }
	fails := 0
	errorf := func(format string, args ...any) {
		t.Helper()
		if fails++; fails < 20 {
			t.Errorf(format, args...)
		}
	}
	pns := map[string]int64{}
	for r := range pop.Records() {
		tr := pop.Truth(r.PersonID)
		c := r.Corruptions
		if _, p := identity.ParseAGB(r.AGB); p != nil {
			errorf("AGB %q: %v", r.AGB, p)
		}
		pn, p := identity.CanonicalPatientNumber(r.AGB, r.PatientNumber)
		if p != nil {
			errorf("patient number %q: %v", r.PatientNumber, p)
		}
		if o, dup := pns[pn]; dup && o != r.PersonID {
			errorf("patient number %s for %d and %d", pn, o, r.PersonID)
		}
		pns[pn] = r.PersonID

		switch {
		case r.BSN == "":
			if tr.BSN != "" && c&CorruptBSNMissing == 0 {
				errorf("record %d: BSN missing without reason", r.PersonID)
			}
		case c&CorruptBSNTypo != 0:
			if bsnValid(r.BSN) {
				errorf("BSN typo %s passes the 11-proef", r.BSN)
			}
		case c&CorruptBSNOther != 0:
			if !bsnValid(r.BSN) || r.BSN == tr.BSN {
				errorf("other BSN %s for %s", r.BSN, tr.BSN)
			}
		case r.BSN != tr.BSN:
			errorf("record %d: BSN %s, truth %s", r.PersonID, r.BSN, tr.BSN)
		}

		if r.FamilyName != "" {
			got := canon(fam, r.FamilyName)
			if strings.HasPrefix(got, "!") {
				errorf("family name %q: %s", r.FamilyName, got)
			}
			const changes = CorruptPartnerName | CorruptDoubleName | CorruptFamilyNameTypo | CorruptPrefixDropped
			want := canon(fam, tr.FamilyName)
			if c&changes == 0 && got != want && c&CorruptPrefixVariant == 0 && !umlautPairs(c, r.FamilyName) {
				errorf("family name %q → %q, truth %q → %q (%s)", r.FamilyName, got, tr.FamilyName, want, c)
			}
			if c&CorruptDoubleName != 0 && !strings.Contains(got, "-") {
				errorf("double name %q", r.FamilyName)
			}
		}
		if c&CorruptGivenNamesMissing != 0 {
			if r.GivenNames != "" || r.Initials != "" {
				errorf("given names %q / %q not missing", r.GivenNames, r.Initials)
			}
		} else {
			got := canon(giv, r.GivenNames)
			if strings.HasPrefix(got, "!") {
				errorf("given names %q: %s", r.GivenNames, got)
			}
			want := canon(giv, tr.GivenNames)
			switch {
			case c&CorruptInitials != 0:
				if got != canon(identity.ParseInitials, tr.Initials) {
					errorf("initials %q, truth %q", r.GivenNames, tr.GivenNames)
				}
			case c&(CorruptGivenNameTypo|CorruptFirstNameOnly) == 0 && got != want && !umlautPairs(c, r.GivenNames):
				errorf("given names %q → %q, truth %q (%s)", r.GivenNames, got, want, c)
			}
		}
		if r.BirthDate != "" {
			got := canon(date, r.BirthDate)
			var y, m, d int
			fmt.Sscanf(tr.BirthDate, "%d-%d-%d", &y, &m, &d)
			switch {
			case strings.HasPrefix(got, "!"):
				errorf("birth date %q: %s", r.BirthDate, got)
			case c&CorruptBirthDateTypo != 0:
				if got == tr.BirthDate {
					errorf("date typo shows no change: %s", got)
				}
			case c&CorruptDayMonthSwap != 0:
				if got != fmt.Sprintf("%04d-%02d-%02d", y, d, m) {
					errorf("swapped date %s, truth %s", got, tr.BirthDate)
				}
			case got != tr.BirthDate:
				errorf("birth date %q → %s, truth %s", r.BirthDate, got, tr.BirthDate)
			}
		} else if c&CorruptBirthDateMissing == 0 {
			errorf("birth date missing without reason")
		}
		if r.Sex != "" {
			got, p := identity.ParseSex(r.Sex)
			if p != nil || (got == tr.Sex) == (c&CorruptSexWrong != 0) {
				errorf("sex %q → %s, truth %s (%s)", r.Sex, got, tr.Sex, c)
			}
		}
		if r.Postcode != "" {
			gotPC, gotHN := canon(pc, r.Postcode), canon(hn, r.HouseNo)
			wantPC, wantHN := tr.Postcode, canon(hn, tr.HouseNo)
			if c&CorruptMoved != 0 {
				wantPC, wantHN = tr.PrevPostcode, canon(hn, tr.PrevHouseNo)
			}
			if strings.HasPrefix(gotPC, "!") || strings.HasPrefix(gotHN, "!") {
				errorf("address %q %q: %s %s", r.Postcode, r.HouseNo, gotPC, gotHN)
			}
			if (gotPC == wantPC && gotHN == wantHN) == (c&CorruptAddressTypo != 0) {
				errorf("address %s %s, truth %s %s (%s)", gotPC, gotHN, wantPC, wantHN, c)
			}
		} else if c&CorruptPostcodeMissing == 0 {
			errorf("postcode missing without reason")
		}
	}
}

// umlautPairs: diacritics lost with ä, ö, ü written as ae, oe, ue.
func umlautPairs(c Corruption, s string) bool {
	s = strings.ToLower(s)
	return c&CorruptDiacriticsLost != 0 && (strings.Contains(s, "ae") || strings.Contains(s, "oe") || strings.Contains(s, "ue"))
}

func TestNoBSN(t *testing.T) {
	prof := HeavyProfile()
	prof.NoBSN = true
	for r := range NewPopulation(Config{Seed: 1, Persons: 20_000, Profile: prof}).Records() {
		if r.BSN != "" {
			t.Fatalf("record with BSN under NoBSN: %+v", r)
		}
	}
}

func TestTruePairs(t *testing.T) {
	for _, cfg := range []Config{
		{Seed: 1, Persons: 100_000, Profile: DefaultProfile()},
		{Seed: 2, Persons: 9_999, Institutions: 7, Overlap: 0.6, FirstID: 123},
		{Seed: 3, Persons: 1000, Institutions: 1},
		{Seed: 4, Persons: 1000, Institutions: 5, Overlap: -1},
	} {
		pop := NewPopulation(cfg)
		st := pop.Stats()
		k := map[int64]int64{}
		perInst := make([]int64, len(pop.Institutions()))
		var n int64
		for r := range pop.Records() {
			k[r.PersonID]++
			perInst[r.Institution]++
			n++
		}
		var pairs, multi int64
		for _, c := range k {
			pairs += c * (c - 1) / 2
			if c > 1 {
				multi++
			}
		}
		if int64(len(k)) != st.Persons || st.Persons != int64(pop.Config().Persons) || n != st.Records || pairs != st.TruePairs || multi != st.Multi || !slices.Equal(perInst, st.PerInstitution) {
			t.Errorf("%+v: counted persons %d records %d pairs %d multi %d per institution %v; Stats %+v", cfg, len(k), n, pairs, multi, perInst, st)
		}
		want := pop.Config().Overlap
		if got := float64(st.Multi) / float64(st.Persons); math.Abs(got-want) > 0.02 {
			t.Errorf("%+v: %.3f at 2+ institutions, want %.2f", cfg, got, want)
		}
		if cfg.Persons == 100_000 {
			t.Logf("default: %+v", st)
		}
	}
}

// A person depends on the seed and the ID only.
func TestFirstID(t *testing.T) {
	a := NewPopulation(Config{Seed: 9, Persons: 1000, Profile: DefaultProfile()})
	b := NewPopulation(Config{Seed: 9, Persons: 1000, FirstID: 501, Institutions: 5, Profile: DefaultProfile()})
	for tr := range b.Persons() {
		if tr.ID > 1000 {
			break
		}
		at := a.Truth(tr.ID)
		at.Institutions, tr.Institutions = nil, nil
		if !equalTruth(at, tr) {
			t.Fatalf("person %d differs:\n%+v\n%+v", tr.ID, at, tr)
		}
	}
	first, last := int64(math.MaxInt64), int64(0)
	for r := range b.Records() {
		first, last = min(first, r.PersonID), max(last, r.PersonID)
	}
	if first != 502 || last != 1501 {
		t.Errorf("IDs %d..%d, want 502..1501", first, last)
	}
}

func TestInstitutions(t *testing.T) {
	pop := NewPopulation(Config{Seed: 1, Institutions: MaxInstitutions, Persons: 100, Profile: DefaultProfile()})
	agb := map[string]bool{}
	for _, in := range pop.Institutions() {
		if len(in.AGB) != 8 || agb[in.AGB] {
			t.Errorf("AGB %q", in.AGB)
		}
		agb[in.AGB] = true
	}
	if err := (Config{Institutions: MaxInstitutions + 1}).Validate(); err == nil {
		t.Error("65 institutions accepted")
	}
	if err := (Config{Profile: DefaultProfile().WithRate(CorruptMoved, 1.5)}).Validate(); err == nil {
		t.Error("rate 1.5 accepted")
	}
}

func TestPicker(t *testing.T) {
	p := newPicker([]float64{1, 0, 3, 6})
	counts := make([]int, 4)
	for i := range 100_000 {
		counts[p.pick((float64(i)+0.5)/100_000)]++
	}
	if counts[1] != 0 || math.Abs(float64(counts[3])/1e5-0.6) > 0.001 || math.Abs(float64(counts[0])/1e5-0.1) > 0.001 {
		t.Errorf("picker counts %v", counts)
	}
}

func TestPermute(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 10, 1000, 4097} {
		seen := make([]bool, n)
		for x := range n {
			y := permute(42, n, x)
			if y >= n || seen[y] {
				t.Fatalf("permute(n=%d) not a bijection at %d", n, x)
			}
			seen[y] = true
		}
	}
}

// TestBSNsUniqueBeyondNineMillion: persons 9 million IDs apart share the
// BSN's first seven digits and must still have different BSNs, valid ones,
// as persons of a national index do (until 2026-11-30 they had the same).
func TestBSNsUniqueBeyondNineMillion(t *testing.T) {
	pop := NewPopulation(Config{Seed: 7, Persons: 100})
	seen := map[uint32]int64{}
	for x := int64(0); x < 2_000; x++ {
		for round := int64(0); round < 9; round++ {
			id := x*4_447 + round*9_000_000
			n := pop.bsnNumber(id)
			if s := formatBSN(n); !bsnValid(s) {
				t.Fatalf("person %d: invalid BSN %s", id, s)
			}
			if o, dup := seen[n]; dup {
				t.Fatalf("persons %d and %d share BSN %09d", o, id, n)
			}
			seen[n] = id
		}
	}
}
