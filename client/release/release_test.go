package release

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/synth"
)

// deliveredFile is a file as a researcher receives it, from synthetic
// persons (package synth, with its corruptions: dates in several formats,
// some broken): a row number, the birth date, sex, postcode and the
// diagnosis.
func deliveredFile(t *testing.T, persons int) []byte {
	t.Helper()
	pop := synth.NewPopulation(synth.Config{Seed: 7, Persons: persons, Profile: synth.DefaultProfile()})
	var b bytes.Buffer
	b.WriteString("volgnummer;geboortedatum;geslacht;postcode;icd10\n")
	n := 0
	for r := range pop.Records() {
		n++
		fmt.Fprintf(&b, "%d;%s;%s;%s;%s\n", n, r.BirthDate, r.Sex, r.Postcode, r.ICD10)
	}
	return b.Bytes()
}

func opener(b []byte) Open {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestReleaseKAnonymous: after a release with k, no class of the named
// quasi-identifiers in the released file has fewer than k records, with
// cell and with record suppression; every released value is the
// generalisation of its input value, or "*".
func TestReleaseKAnonymous(t *testing.T) {
	in := deliveredFile(t, 3000)
	inRows := readCSV(t, in)
	byNumber := map[string][]string{}
	for _, r := range inRows[1:] {
		byNumber[r[0]] = r
	}
	regions, err := ParseRegions(strings.NewReader("pc4,region\n1000-1999,1\n2000-3999,2\n4000-5999,3\n6000-7999,4\n8000-9999,5\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Cells: birth year and 4-digit postcode, so sparse that most records
	// need a value suppressed. Records: age in 10-year bands and a region,
	// so that most records stay.
	rulesOf := map[Method][]Rule{
		Cells:   {{Column: "geboortedatum", Kind: Year}, {Column: "postcode", Kind: Postcode4}},
		Records: {{Column: "geboortedatum", Kind: Age, Reference: identity.Date{Year: 2026, Month: 1, Day: 1}, Band: 10}, {Column: "postcode", Kind: Region, Regions: regions}},
	}
	formats := map[Method][2]*regexp.Regexp{
		Cells:   {regexp.MustCompile(`^\d{4}$`), regexp.MustCompile(`^[1-9]\d{3}$`)},
		Records: {regexp.MustCompile(`^\d+-\d+$`), regexp.MustCompile(`^[1-5]$`)},
	}
	for _, method := range []Method{Cells, Records} {
		for _, k := range []int{5, 10} {
			t.Run(fmt.Sprintf("%s/k=%d", method, k), func(t *testing.T) {
				var out, rep bytes.Buffer
				opts := Options{Input: "in.csv", QuasiIdentifiers: []string{"geboortedatum", "geslacht", "postcode"}, K: k, Method: method, Rules: rulesOf[method]}
				res, err := Run(opener(in), &out, &rep, opts)
				if err != nil {
					t.Fatalf("Run: %v\n%s", err, rep.String())
				}
				rows := readCSV(t, out.Bytes())
				suffix := map[Method][2]string{Cells: {"year", "pc4"}, Records: {"age", "region"}}[method]
				if got, want := strings.Join(rows[0], ";"), "volgnummer;geboortedatum_"+suffix[0]+";geslacht;postcode_"+suffix[1]+";icd10"; got != want {
					t.Fatalf("header %s, want %s", got, want)
				}
				classes := map[string]int{}
				for _, r := range rows[1:] {
					classes[r[1]+"|"+r[2]+"|"+r[3]]++
				}
				for c, n := range classes {
					if n < k {
						t.Errorf("class %q has %d records, fewer than k=%d", c, n, k)
					}
				}
				if res.Before.BelowK == 0 || res.Released < res.Records/2 {
					t.Fatalf("%+v: the input was k-anonymous already, or the release left out most of it", res)
				}
				if res.After.BelowK != 0 || res.After.Smallest < k {
					t.Errorf("after: %+v", res.After)
				}
				if got := len(rows) - 1; got != res.Released || res.Released+res.LeftOut != res.Records || res.Records != len(inRows)-1 {
					t.Errorf("%d rows written; result %+v", got, res)
				}
				for _, r := range rows[1:] {
					src := byNumber[r[0]]
					if method == Cells {
						if want := wantYear(src[1]); r[1] != want && r[1] != Suppressed {
							t.Fatalf("row %s: birth date released as %q, want %q or *", r[0], r[1], want)
						}
					}
					for i, re := range formats[method] {
						if v := r[1+2*i]; v != Suppressed && v != "" && !re.MatchString(v) {
							t.Fatalf("row %s: %s released as %q", r[0], rows[0][1+2*i], v)
						}
					}
					if r[4] != src[4] {
						t.Fatalf("row %s: payload changed", r[0])
					}
				}
				if method == Records && res.CellsSuppressed != 0 {
					t.Errorf("record suppression suppressed %d cells", res.CellsSuppressed)
				}
			})
		}
	}
}

// wantYear is the year of a date as the input writes it, or "*".
func wantYear(v string) string {
	d, p := identity.ParseBirthDate(v, identity.Date{Year: 9999, Month: 12, Day: 31})
	switch {
	case strings.TrimSpace(v) == "":
		return ""
	case p != nil:
		return Suppressed
	}
	return fmt.Sprintf("%04d", d.Year)
}

func TestGeneralise(t *testing.T) {
	regions, err := ParseRegions(strings.NewReader("pc4,region\n1000-1099,Amsterdam\n9712,Groningen\n"))
	if err != nil {
		t.Fatal(err)
	}
	ref := identity.Date{Year: 2026, Month: 3, Day: 14}
	tests := []struct {
		rule     Rule
		in, want string
		code     identity.Code
	}{
		{Rule{Kind: Year}, "1956-03-14", "1956", ""},
		{Rule{Kind: Year}, "14-03-1956", "1956", ""},
		{Rule{Kind: Year}, "19560314", "1956", ""},
		{Rule{Kind: Year}, "1956-02-30", Suppressed, CodeBadDate},
		{Rule{Kind: Year}, "14.03.1956", Suppressed, CodeBadDate},
		{Rule{Kind: Year}, "", "", ""},
		{Rule{Kind: Month}, "4/7/1975", "1975-07", ""},
		{Rule{Kind: Age, Reference: ref, Band: 1}, "1956-03-14", "70", ""},
		{Rule{Kind: Age, Reference: ref, Band: 1}, "1956-03-15", "69", ""},
		{Rule{Kind: Age, Reference: ref, Band: 5}, "1956-03-15", "65-69", ""},
		{Rule{Kind: Age, Reference: ref, Band: 10}, "2026-03-14", "0-9", ""},
		{Rule{Kind: Age, Reference: ref, Band: 1}, "2026-03-15", Suppressed, CodeAfterReference},
		{Rule{Kind: Postcode4}, "1234 ab", "1234", ""},
		{Rule{Kind: Postcode4}, "1234", "1234", ""},
		{Rule{Kind: Postcode4}, "0234AB", Suppressed, CodeNotDutch},
		{Rule{Kind: Postcode4}, "BE-1000", Suppressed, CodeNotDutch},
		{Rule{Kind: Region, Regions: regions}, "1011AB", "Amsterdam", ""},
		{Rule{Kind: Region, Regions: regions}, "9712 GP", "Groningen", ""},
		{Rule{Kind: Region, Regions: regions}, "9713GP", Suppressed, CodeNoRegion},
		{Rule{Kind: Rare}, " C18.7 ", "C18.7", ""},
	}
	for _, tt := range tests {
		got, code := tt.rule.apply(tt.in)
		if got != tt.want || code != tt.code {
			t.Errorf("%v(%q) = %q, %q; want %q, %q", tt.rule.Kind, tt.in, got, code, tt.want, tt.code)
		}
	}
}

func TestParseRule(t *testing.T) {
	good := map[string]Rule{
		"gebdat=year":             {Column: "gebdat", Kind: Year},
		"gebdat=age:2026-01-01:5": {Column: "gebdat", Kind: Age, Reference: identity.Date{Year: 2026, Month: 1, Day: 1}, Band: 5},
		"pc=region:regions.csv":   {Column: "pc", Kind: Region, RegionFile: "regions.csv"},
		"icd10=other:10":          {Column: "icd10", Kind: Rare, MinCount: 10},
		" icd10 = other":          {Column: "icd10", Kind: Rare},
	}
	for s, want := range good {
		got, err := ParseRule(s)
		if err != nil || got != want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, s := range []string{"year", "=year", "a=decade", "a=year:2", "a=age", "a=age:2026-02-30", "a=age:2026-01-01:0", "a=region", "a=other:1", "a=other:x"} {
		if _, err := ParseRule(s); err == nil {
			t.Errorf("ParseRule(%q) takes it", s)
		}
	}
}

// TestRareToOther: values of fewer records than the rule's count become
// "other", in the released file and before the classes are counted.
func TestRareToOther(t *testing.T) {
	var in bytes.Buffer
	in.WriteString("nr;sex;icd10\n")
	for i := range 30 {
		code := "C18"
		switch {
		case i < 2:
			code = "C47"
		case i < 5:
			code = "C88"
		}
		fmt.Fprintf(&in, "%d;%s;%s\n", i, []string{"M", "V"}[i%2], code)
	}
	var out, rep bytes.Buffer
	_, err := Run(opener(in.Bytes()), &out, &rep, Options{QuasiIdentifiers: []string{"icd10"}, K: 2, Rules: []Rule{{Column: "icd10", Kind: Rare, MinCount: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range readCSV(t, out.Bytes())[1:] {
		got[r[2]]++
	}
	if want := map[string]int{"C18": 25, "C88": 3, Other: 2}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("released codes %v, want %v", got, want)
	}
}

// TestReleaseRefusesIdentifierColumn: a birth date neither generalised nor
// named as a quasi-identifier would pass unchanged; the release stops
// (BF-006), and passes it only when kept on purpose.
func TestReleaseRefusesIdentifierColumn(t *testing.T) {
	in := deliveredFile(t, 50)
	var out, rep bytes.Buffer
	opts := Options{QuasiIdentifiers: []string{"geslacht"}, K: 5, Rules: []Rule{{Column: "postcode", Kind: Postcode4}}}
	_, err := Run(opener(in), &out, &rep, opts)
	if err == nil || !strings.Contains(err.Error(), "BF-006") || !strings.Contains(err.Error(), "geboortedatum") {
		t.Fatalf("err = %v, want BF-006 naming geboortedatum", err)
	}
	if out.Len() != 0 || !strings.Contains(rep.String(), "file_error") {
		t.Errorf("output %d bytes; report:\n%s", out.Len(), rep.String())
	}
	opts.Keep = []string{"geboortedatum"}
	if _, err := Run(opener(in), &out, &rep, opts); err != nil {
		t.Errorf("with -keep: %v", err)
	}
}

// TestDriversNameTheColumn: a column of unique values drives every record
// below k; without it, none is.
func TestDriversNameTheColumn(t *testing.T) {
	c := newClasses([]string{"sex", "id"})
	for i := range 40 {
		c.add([]string{[]string{"M", "V"}[i%2], fmt.Sprint(i)}, 1)
	}
	ds := c.Drivers(5)
	if ds[1] != (Driver{Column: "id", Distinct: 40, BelowKWithout: 0}) || ds[0] != (Driver{Column: "sex", Distinct: 2, BelowKWithout: 40}) {
		t.Errorf("drivers %+v", ds)
	}
	if s := c.Stats(5); s.Smallest != 1 || s.BelowK != 40 || s.Classes != 40 {
		t.Errorf("stats %+v", s)
	}
}

// TestTabulate: a table of generated data never shows a figure below the
// threshold, and none of its suppressed figures can be recomputed.
func TestTabulate(t *testing.T) {
	in := deliveredFile(t, 2000)
	for _, min := range []int{5, 10} {
		var out, rep bytes.Buffer
		opts := TableOptions{Columns: []string{"geboortedatum", "geslacht"}, Min: min, Rules: []Rule{{Column: "geboortedatum", Kind: Age, Reference: identity.Date{Year: 2026, Month: 1, Day: 1}, Band: 10}}}
		res, err := Tabulate(bytes.NewReader(in), &out, &rep, opts)
		if err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, out.Bytes())
		if res.Primary == 0 || res.Complementary == 0 {
			t.Errorf("min %d: %+v: nothing to protect, the test proves nothing\n%s", min, res, out.String())
		}
		suppressed := 0
		for _, r := range rows[1:] {
			for _, v := range r[1:] {
				if v == Suppressed {
					suppressed++
					continue
				}
				var n int
				fmt.Sscan(v, &n)
				if n > 0 && n < min {
					t.Errorf("min %d: figure %d shown", min, n)
				}
			}
		}
		if suppressed != res.Primary+res.Complementary {
			t.Errorf("min %d: %d stars, result %+v", min, suppressed, res)
		}
		// Read the written table back as the attacker gets it.
		back := tableFromCSV(t, rows)
		if det := linearlyDetermined(back); len(det) > 0 {
			t.Errorf("min %d: figures %v of the written table can be recomputed", min, det)
		}
	}
}

// tableFromCSV reads a written two-column table back into a Table, with the
// suppressed figures' counts unknown (0).
func tableFromCSV(t *testing.T, rows [][]string) *Table {
	t.Helper()
	R, C := len(rows)-2, len(rows[0])-2
	tab := &Table{Rows: labels(R), Cols: labels(C), Grid: make([][]Figure, R+1)}
	for r := range tab.Grid {
		tab.Grid[r] = make([]Figure, C+1)
		for c := range tab.Grid[r] {
			v := rows[r+1][c+1]
			if v == Suppressed {
				tab.Grid[r][c].Suppressed = true
				continue
			}
			fmt.Sscan(v, &tab.Grid[r][c].Count)
		}
	}
	return tab
}

func TestRegions(t *testing.T) {
	rs, err := ParseRegions(strings.NewReader("postcode;regio\n1000 - 1099;Amsterdam\n1100;Amsterdam\n9712;Groningen\n"))
	if err != nil {
		t.Fatal(err)
	}
	for area, want := range map[string]string{"1000": "Amsterdam", "1050": "Amsterdam", "1100": "Amsterdam", "9712": "Groningen", "1101": "", "0999": "", "12": ""} {
		if got, _ := rs.Lookup(area); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", area, got, want)
		}
	}
	if rs.Len() != 2 {
		t.Errorf("%d regions", rs.Len())
	}
	bad := map[string]string{
		"header only":      "postcode,region\n",
		"three columns":    "a,b,c\n1000,x,y\n",
		"not an area":      "postcode,region\n0999,x\n",
		"backward range":   "postcode,region\n1099-1000,x\n",
		"listed twice":     "postcode,region\n1000-1099,x\n1050,y\n",
		"empty region":     "postcode,region\n1000,\n",
		"star":             "postcode,region\n1000,*\n",
		"wrong row length": "postcode,region\n1000\n",
	}
	for name, s := range bad {
		if _, err := ParseRegions(strings.NewReader(s)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseRegions: any input is parsed or refused, never a panic; a
// parsed lookup maps only areas to names of at most MaxRegionName bytes.
func FuzzParseRegions(f *testing.F) {
	f.Add("postcode,region\n1000-1099,Amsterdam\n9712,Groningen\n")
	f.Add("pc4;regio\n1000;A\n1000;B\n")
	f.Add("a\tb\n\"1000\"\t\"x,y\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseRegions(strings.NewReader(s))
		if err != nil {
			return
		}
		for a := 0; a < 10000; a++ {
			name, ok := rs.Lookup(fmt.Sprintf("%04d", a))
			if ok && (a < 1000 || name == "" || name == Suppressed || len(name) > MaxRegionName) {
				t.Fatalf("area %04d → %q", a, name)
			}
		}
	})
}
