package identity

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The fuzz targets check properties every parser must have: no panic;
// problems carry the fixed table message and never the input; an F-code
// comes with no value; a value is valid UTF-8; and normalising the
// canonical form again gives the same canonical form without a new
// problem (the canonical form is a fixed point).

// checkProblem asserts the invariants of a problem about input in.
func checkProblem(t *testing.T, f Field, in string, code Code) {
	t.Helper()
	if code == "" {
		return
	}
	p := newProblem(f, code)
	if p.Message == "" {
		t.Fatalf("code %s is not in the table", code)
	}
	if len(in) >= 4 && strings.Contains(p.Error(), in) && !strings.Contains(string(code)+" "+string(f)+": "+p.Message, in) {
		t.Fatalf("problem %s repeats the input", code)
	}
}

// checkCanonical asserts the invariants of a canonical value c of in, and
// that canon(c) == c. Warnings that hold for the input (W-201 for a
// Cyrillic name) may hold for the canonical form too; only a new fatal
// problem or a different value is an error.
func checkCanonical(t *testing.T, f Field, in, c string, code Code, canon func(string) (string, Code)) {
	t.Helper()
	checkProblem(t, f, in, code)
	if code.Fatal() {
		if c != "" {
			t.Fatalf("%q: value %q with fatal %s", in, c, code)
		}
		return
	}
	if !utf8.ValidString(c) {
		t.Fatalf("%q: canonical %q is not valid UTF-8", in, c)
	}
	if c == "" && code != codeSexU {
		t.Fatalf("%q: empty canonical value without a fatal problem", in)
	}
	c2, code2 := canon(c)
	if c2 != c || code2.Fatal() {
		t.Fatalf("not idempotent: %q -> %q -> %q (%s)", in, c, c2, code2)
	}
}

func FuzzBSN(f *testing.F) {
	for _, s := range []string{"111222333", "123456782", "12345678", "1234.56.782", "000000000", "12a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, code := canonicalBSN(s)
		checkCanonical(t, FieldBSN, s, c, code, canonicalBSN)
		if !code.Fatal() && (len(c) != 9 || !allDigits(c)) {
			t.Fatalf("%q: canonical %q is not 9 digits", s, c)
		}
	})
}

func FuzzFamilyName(f *testing.F) {
	for _, s := range []string{"van der Berg", "Berg, van der", "Berg v.d.", "'t Hart", "in't Veld",
		"Jansen-de Vries", "d'Hondt", "Иванов", "José", "Jose\u0301", "Strauß", "van", "van der", ", van",
		"St.Jan", "v/d Berg", "Berg de'", "x.vd", "O'Brien", "Jansen2", "a,b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, code := parseFamilyName(s)
		c, ccode := canonicalFamilyName(s)
		if ccode != code || (!code.Fatal() && c != n.String()) {
			t.Fatalf("%q: parse %+v %s, canonical %q %s", s, n, code, c, ccode)
		}
		checkCanonical(t, FieldFamilyName, s, c, code, canonicalFamilyName)
		if !code.Fatal() && (strings.Contains(c, "  ") || strings.TrimSpace(c) != c) {
			t.Fatalf("%q: canonical %q has stray spaces", s, c)
		}
	})
}

func FuzzGivenNames(f *testing.F) {
	for _, s := range []string{"Jan Pieter", "Jan-Pieter", "J.P.", "JP", "Th.J.", "José", "Сергей", "a b", "J'", "..."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, p := ParseGivenNames(s)
		c, code := canonicalGivenNames(s)
		if code.Fatal() {
			c = ""
		}
		if (p == nil) != (code == "") || (p != nil && p.Code != code) || (p == nil || !p.Fatal()) && g.String() != c {
			t.Fatalf("%q: parse %+v %v, canonical %q %s", s, g, p, c, code)
		}
		checkCanonical(t, FieldGivenNames, s, c, code, canonicalGivenNames)
		if len(g.Names) > 0 && (g.First != g.Names[0] || utf8.RuneCountInString(g.Initials) != len(g.Names)) {
			t.Fatalf("%q: inconsistent %+v", s, g)
		}
	})
}

func FuzzInitials(f *testing.F) {
	for _, s := range []string{"J.P.", "j p", "JP", "J.-P.", "É.", "J2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, code := canonicalInitials(s)
		checkCanonical(t, FieldInitials, s, c, code, canonicalInitials)
	})
}

func FuzzBirthDate(f *testing.F) {
	for _, s := range []string{"2001-03-04", "04-03-2001", "20010304", "4/3/2001", "2023-02-30", "1879-12-31", "3000-01-01", "1-1-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		canon := func(s string) (string, Code) { return canonicalBirthDate(s, testToday) }
		c, code := canon(s)
		checkCanonical(t, FieldBirthDate, s, c, code, canon)
		d, p := ParseBirthDate(s, testToday)
		if (p == nil) != (code == "") || (p == nil && d.String() != c) {
			t.Fatalf("%q: ParseBirthDate %v %v, canonical %q %s", s, d, p, c, code)
		}
	})
}

func FuzzSex(f *testing.F) {
	for _, s := range []string{"M", "vrouw", "0", "9", "U", "female", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, code := canonicalSex(s)
		checkCanonical(t, FieldSex, s, c, code, canonicalSex)
	})
}

func FuzzPostcode(f *testing.F) {
	for _, s := range []string{"1234AB", "1234 ab", "NL-1234AB", "BE-1000", "be:1000", "GB SW1A 1AA", "1234SA", "QQ-1", "UK-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, code := canonicalPostcode(s)
		checkCanonical(t, FieldPostcode, s, c, code, canonicalPostcode)
		p, prob := ParsePostcode(s)
		if (prob == nil) != (code == "") || (prob == nil && p.String() != c) {
			t.Fatalf("%q: ParsePostcode %+v %v, canonical %q %s", s, p, prob, c, code)
		}
	})
}

func FuzzHouseNumber(f *testing.F) {
	for _, s := range []string{"12", "012", "12a", "12 bis", "12-3", "0", "123456", "12 #"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, code := canonicalHouseNumber(s)
		checkCanonical(t, FieldHouseNumber, s, c, code, canonicalHouseNumber)
	})
}

func FuzzAGB(f *testing.F) {
	for _, s := range []string{"01234567", "0123 4567", "1234567", "0123456A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, code := canonicalAGB(s)
		checkCanonical(t, FieldAGB, s, c, code, canonicalAGB)
	})
}

func FuzzPatientNumber(f *testing.F) {
	for _, s := range []string{"A12345", " a 1\t2 ", "\uFEFF1", "12\x00", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, code := canonicalLocalPatientNumber(s)
		checkCanonical(t, FieldPatientNumber, s, c, code, canonicalLocalPatientNumber)
		if !code.Fatal() && utf8.RuneCountInString(c) > maxPatientNumber {
			t.Fatalf("%q: canonical too long", s)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	f.Add("123456782", "Berg, van der", "J.P.", "jp", "4/3/2001", "v", "1234 ab", "12a", "01234567", "p1")
	f.Add("", "", "", "", "", "", "", "", "", "")
	f.Add("12345678", "Иванов", "Jan", "", "2030-01-01", "U", "BE-1000", "0", "", "x")
	fields := AllFields()
	n, err := NewNormalizer(fields, testToday)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b, c, d, e, g, h, i, j, k string) {
		raw := []string{a, b, c, d, e, g, h, i, j, k}
		out := make([]string, len(raw))
		ps := n.Normalize(nil, raw, out)
		present := 0
		for x, v := range raw {
			if !isBlank(v) {
				present++
			}
			if !utf8.ValidString(out[x]) {
				t.Fatalf("out[%d] is not valid UTF-8", x)
			}
		}
		for _, p := range ps {
			if p.Message != p.Code.Message() {
				t.Fatalf("message of %s is not the table message", p.Code)
			}
			for _, v := range raw {
				if len(v) >= 4 && strings.Contains(p.Error(), v) && !strings.Contains(string(p.Code)+" "+string(p.Field)+": "+p.Message, v) {
					t.Fatalf("problem %s repeats an input value", p.Code)
				}
			}
		}
		if present == 0 {
			if len(ps) != 1 || ps[0].Code != codeRecordEmpty {
				t.Fatalf("all missing: problems %v", codes(ps))
			}
			return
		}
		// Every value must match NormalizeValue, except the patient number,
		// which is combined with the AGB code.
		for x, fld := range fields {
			if fld == FieldPatientNumber {
				continue
			}
			v, p := NormalizeValue(fld, raw[x], testToday)
			if v != out[x] {
				t.Fatalf("%s: Normalize %q, NormalizeValue %q (%v)", fld, out[x], v, p)
			}
		}
	})
}

// foldNameReference is foldName written the slow, obvious way: whole-
// string NFKD, then the same per-rune folding. foldName must agree with it.
func foldNameReference(s string) (string, bool) {
	s = strings.ReplaceAll(s, "´", "'")
	var b strings.Builder
	nonLatin := false
	for _, r := range norm.NFKD.String(s) {
		nonLatin = foldRune(&b, r) || nonLatin
	}
	return b.String(), nonLatin
}

func FuzzFoldName(f *testing.F) {
	for _, s := range []string{"José", "Jose\u0301", "Strauß", "ﬁnk", "Ǆ", "한국", "Ⅻ", "´t Hart", "\xffa", "ｆｕｌｌ", "ẛ̣", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotNL := foldName(s)
		if !utf8.ValidString(s) {
			// norm leaves text after invalid bytes alone; foldName goes on.
			// Either way the U+FFFD makes every parser reject the name.
			if !strings.ContainsRune(got, utf8.RuneError) {
				t.Fatalf("%q: invalid UTF-8 folded to %q", s, got)
			}
			return
		}
		want, wantNL := foldNameReference(s)
		if got != want || gotNL != wantNL {
			t.Fatalf("%q: foldName %q %v, reference %q %v", s, got, gotNL, want, wantNL)
		}
	})
}
