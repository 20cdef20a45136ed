package identity

import (
	"slices"
	"strings"
	"testing"
)

// testToday is fixed so that tests do not depend on the calendar.
var testToday = Date{2024, 6, 15}

// checkParse is the common assertion of the table tests: the canonical
// value and the code (""for none).
func checkParse(t *testing.T, in, got string, p *Problem, want string, wantCode Code) {
	t.Helper()
	var code Code
	if p != nil {
		code = p.Code
		if p.Message != p.Code.Message() || p.Message == "" {
			t.Errorf("%q: message %q is not the table message of %s", in, p.Message, p.Code)
		}
	}
	if got != want || code != wantCode {
		t.Errorf("%q: got (%q, %q), want (%q, %q)", in, got, code, want, wantCode)
	}
}

func TestBSN(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"111222333", "111222333", ""},
		{"123456782", "123456782", ""},
		{" 123456782 ", "123456782", ""},
		{"1234.56.782", "123456782", ""},
		{"123-456-782", "123456782", ""},
		{"123 456 782", "123456782", ""},
		{"12345678", "", codeBSNCheck}, // padded to 012345678, which fails the check
		{"123456781", "", codeBSNCheck},
		{"000000000", "", codeBSNZeros},
		{"00000000", "", codeBSNZeros},
		{"12345678A", "", codeBSNChars},
		{"123456782\x00", "", codeBSNChars},
		{"１２３４５６７８２", "", codeBSNChars}, // full-width digits are not accepted
		{"1234567", "", codeBSNLength},
		{"1234567890", "", codeBSNLength},
		{"", "", codeBSNLength},
	}
	for _, tt := range tests {
		got, p := ParseBSN(tt.in)
		checkParse(t, tt.in, got, p, tt.want, tt.code)
	}
}

func TestCheckBSNKnownValues(t *testing.T) {
	// A padded BSN that passes: 0·9+1·8+0·7+0·6+0·5+0·4+0·3+0·2 = 8; 8-d9≡0 → d9=8.
	if got, p := ParseBSN("10000008"); got != "010000008" || p == nil || p.Code != codeBSNPadded || p.Fatal() {
		t.Errorf("padded BSN: got %q %v", got, p)
	}
}

// TestBSNCorrections: a BSN with one wrong digit or two neighbouring digits
// swapped has the BSN it was meant to be among its corrections, every
// correction passes the 11-check, and a valid BSN or anything not 9 digits
// has none.
func TestBSNCorrections(t *testing.T) {
	for _, c := range []struct{ typo, meant string }{
		{"123456783", "123456782"}, // the check digit wrong
		{"193456782", "123456782"}, // another digit wrong
		{"213456782", "123456782"}, // the first two swapped
		{"111222333", ""},          // valid: no corrections
	} {
		got := BSNCorrections(c.typo)
		if c.meant == "" {
			if got != nil {
				t.Errorf("%s: corrections %v; want none", c.typo, got)
			}
			continue
		}
		if !slices.Contains(got, c.meant) {
			t.Errorf("%s: corrections %v; want %s among them", c.typo, got, c.meant)
		}
		if len(got) > 17 {
			t.Errorf("%s: %d corrections; want at most 17", c.typo, len(got))
		}
		for _, b := range got {
			if _, p := ParseBSN(b); p != nil {
				t.Errorf("%s: correction %s fails: %v", c.typo, b, p)
			}
		}
	}
	for _, s := range []string{"", "12345678", "12345678A", "1234567890"} {
		if got := BSNCorrections(s); got != nil {
			t.Errorf("%q: corrections %v; want none", s, got)
		}
	}
}

func TestFamilyNameEquivalence(t *testing.T) {
	classes := [][]string{
		{"van der Berg", "Berg, van der", "VAN DER BERG", "van der  Bérg", "Berg v.d.", "v.d. Berg",
			"Berg, v.d.", "vd Berg", "v/d Berg", "v. d. Berg", " Van  der Berg ", "Berg van der", "van der Berg\u00A0"},
		{"José", "JOSE", "Jose\u0301", "jose"},
		{"'t Hart", "'T HART", "Hart, 't", "’t Hart", "Hart 't"},
		{"in 't Veld", "In't Veld", "Veld, in 't", "IN ’T VELD"},
		{"Jansen-de Vries", "Jansen - de Vries", "JANSEN-DE VRIES", "Jansen–de Vries"},
		{"d'Hondt", "D'Hondt", "d' Hondt", "D’HONDT", "Hondt, d'"},
		{"Strauß", "Strauss", "STRAUSS"},
		{"Ørsted", "Orsted"},
		{"Łukasiewicz", "Lukasiewicz"},
		{"O'Brien", "OBrien", "O’Brien"},
		{"Kuçuk", "Kucuk", "Ku\u0063\u0327uk"},
	}
	for _, class := range classes {
		want, p := ParseFamilyName(class[0])
		if p != nil {
			t.Fatalf("%q: %v", class[0], p)
		}
		for _, in := range class[1:] {
			got, p := ParseFamilyName(in)
			if p != nil || got != want {
				t.Errorf("%q: got %+v %v, want %+v like %q", in, got, p, want, class[0])
			}
		}
	}
}

func TestFamilyName(t *testing.T) {
	tests := []struct {
		in, prefix, core string
		code             Code
	}{
		{"van der Berg", "van der", "berg", ""},
		{"de Vries", "de", "vries", ""},
		{"Vries", "", "vries", ""},
		{"Jansen-de Vries", "", "jansen-de vries", ""},
		{"van Dam-de Vries", "van", "dam-de vries", ""},
		{"Jansen-v.d. Berg", "", "jansen-van der berg", ""},
		{"'t Hart", "'t", "hart", ""},
		{"in 't Veld", "in 't", "veld", ""},
		{"d'Hondt", "d'", "hondt", ""},
		{"von der Leyen", "von der", "leyen", ""},
		{"de la Fuente", "de la", "fuente", ""},
		{"Van", "", "van", ""},
		{"van der", "", "van der", ""},
		{"Nguyen Le", "", "nguyen le", ""}, // foreign prefix not taken from the end
		{"Le Nguyen", "le", "nguyen", ""},  // but at the start
		{"St.Jan", "", "st jan", ""},
		{"Müller-Lüdenscheidt", "", "muller-ludenscheidt", ""},
		{"Иванов", "", "иванов", codeFamilyScript},
		{"Παπαδόπουλος", "", "παπαδοπουλοσ", codeFamilyScript},
		{"Jansen2", "", "", codeFamilyDigits},
		{"Jansen (Pietersen)", "", "", codeFamilyChars},
		{"Jansen/Pietersen", "", "", codeFamilyChars},
		{"Jansen\x00", "", "", codeFamilyChars},
		{"Jansen\xff", "", "", codeFamilyChars},
		{"Jansen, Piet", "", "", codeFamilyComma},
		{"Berg, van, der", "", "", codeFamilyComma},
		{"", "", "", codeFamilyEmpty},
		{" - ", "", "", codeFamilyEmpty},
		{"'", "", "", codeFamilyEmpty},
		{"Berg,", "", "berg", ""},
		{", van", "", "van", ""},
	}
	for _, tt := range tests {
		got, p := ParseFamilyName(tt.in)
		var code Code
		if p != nil {
			code = p.Code
		}
		if got.Prefix != tt.prefix || got.Core != tt.core || code != tt.code {
			t.Errorf("%q: got %+v %q, want {%q %q} %q", tt.in, got, code, tt.prefix, tt.core, tt.code)
		}
	}
}

func TestFamilyNameCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"Berg, van der":   "van der berg",
		"Jansen-de Vries": "jansen-de vries",
		"Vries":           "vries",
		"d'Hondt":         "d' hondt",
	} {
		got, code := canonicalFamilyName(in)
		if got != want || code != "" {
			t.Errorf("%q: got %q %q, want %q", in, got, code, want)
		}
	}
}

func TestGivenNames(t *testing.T) {
	tests := []struct {
		in, canon, first, initials string
		names                      int
		code                       Code
	}{
		{"Jan Pieter", "jan pieter", "jan", "jp", 2, ""},
		{"Jan-Pieter", "jan pieter", "jan", "jp", 2, ""},
		{"  JAN   PIETER ", "jan pieter", "jan", "jp", 2, ""},
		{"José", "jose", "jose", "j", 1, ""},
		{"Jose\u0301", "jose", "jose", "j", 1, ""},
		{"JAN", "jan", "jan", "j", 1, ""},
		{"Bo", "bo", "bo", "b", 1, ""},
		{"Ma'ayan", "maayan", "maayan", "m", 1, ""},
		{"Jan P.", "jan p", "jan", "jp", 2, ""},
		{"J.P.", "jp", "", "jp", 0, codeGivenInitial},
		{"J. P.", "jp", "", "jp", 0, codeGivenInitial},
		{"j p", "jp", "", "jp", 0, codeGivenInitial},
		{"JP", "jp", "", "jp", 0, codeGivenInitial},
		{"JPM", "jpm", "", "jpm", 0, codeGivenInitial},
		{"J", "j", "", "j", 0, codeGivenInitial},
		{"J.-P.", "jp", "", "jp", 0, codeGivenInitial},
		{"Th.J.", "thj", "", "thj", 0, codeGivenInitial},
		{"Сергей", "сергеи", "сергеи", "с", 1, codeGivenScript},
		{"Jan2", "", "", "", 0, codeGivenDigits},
		{"Jan & Piet", "", "", "", 0, codeGivenChars},
		{"Jan, Piet", "", "", "", 0, codeGivenChars},
		{"...", "", "", "", 0, codeGivenEmpty},
	}
	for _, tt := range tests {
		g, p := ParseGivenNames(tt.in)
		var code Code
		if p != nil {
			code = p.Code
		}
		if g.String() != tt.canon || g.First != tt.first || g.Initials != tt.initials || len(g.Names) != tt.names || code != tt.code {
			t.Errorf("%q: got %+v %q, want %q first %q initials %q (%d names) %q",
				tt.in, g, code, tt.canon, tt.first, tt.initials, tt.names, tt.code)
		}
		c, ccode := canonicalGivenNames(tt.in)
		if ccode.Fatal() {
			c = ""
		}
		if c != tt.canon || ccode != tt.code {
			t.Errorf("canonicalGivenNames(%q) = %q %q, want %q %q", tt.in, c, ccode, tt.canon, tt.code)
		}
	}
}

func TestInitials(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"J.P.", "jp", ""},
		{"j p", "jp", ""},
		{"JP", "jp", ""},
		{"J.-P.", "jp", ""},
		{"jp", "jp", ""},
		{"É.", "e", ""},
		{"Th.", "th", ""},
		{"J.2", "", codeInitChars},
		{"J/P", "", codeInitChars},
		{"J'", "", codeInitChars},
		{". .", "", codeInitEmpty},
		{"", "", codeInitEmpty},
	}
	for _, tt := range tests {
		got, p := ParseInitials(tt.in)
		checkParse(t, tt.in, got, p, tt.want, tt.code)
	}
}

func TestBirthDate(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"2001-03-04", "2001-03-04", ""},
		{"04-03-2001", "2001-03-04", ""},
		{"20010304", "2001-03-04", ""},
		{"4/3/2001", "2001-03-04", ""},
		{"04/03/2001", "2001-03-04", ""},
		{"4-3-2001", "2001-03-04", ""},
		{"2001-3-4", "2001-03-04", ""},
		{" 2001-03-04\t", "2001-03-04", ""},
		{"2000-02-29", "2000-02-29", ""},
		{"1880-01-01", "1880-01-01", ""},
		{"2024-06-15", "2024-06-15", ""}, // today
		{"2024-06-16", "", codeDateFuture},
		{"3000-01-01", "", codeDateFuture},
		{"1879-12-31", "", codeDateTooOld},
		{"0001-01-01", "", codeDateTooOld},
		{"2023-02-29", "", codeDateInvalid},
		{"1900-02-29", "", codeDateInvalid},
		{"2023-02-30", "", codeDateInvalid},
		{"2001-13-01", "", codeDateInvalid},
		{"2001-00-10", "", codeDateInvalid},
		{"31-04-2001", "", codeDateInvalid},
		{"20011301", "", codeDateInvalid},
		{"2001/03/04", "", codeDateFormat},
		{"04.03.2001", "", codeDateFormat},
		{"4 maart 2001", "", codeDateFormat},
		{"01-03-01", "", codeDateFormat},
		{"2001-03-04T00:00", "", codeDateFormat},
		{"2001-03-04-", "", codeDateFormat},
		{"-03-2001", "", codeDateFormat},
		{"200103041", "", codeDateFormat},
		{"", "", codeDateFormat},
	}
	for _, tt := range tests {
		d, p := ParseBirthDate(tt.in, testToday)
		got := ""
		if p == nil {
			got = d.String()
		}
		checkParse(t, tt.in, got, p, tt.want, tt.code)
		c, code := canonicalBirthDate(tt.in, testToday)
		if c != tt.want || code != tt.code {
			t.Errorf("canonicalBirthDate(%q) = %q %q", tt.in, c, code)
		}
	}
}

func TestSex(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"M", "M", ""}, {"m", "M", ""}, {"Man", "M", ""}, {"MALE", "M", ""}, {"1", "M", ""},
		{"V", "F", ""}, {"f", "F", ""}, {"vrouw", "F", ""}, {"Female", "F", ""}, {"2", "F", ""},
		{"X", "X", ""}, {"o", "X", ""}, {"9", "X", ""},
		{"U", "U", codeSexU}, {"0", "U", codeSexU}, {" onbekend ", "U", codeSexU},
		{"", "", codeSexUnknown}, {"mannelijk", "", codeSexUnknown}, {"3", "", codeSexUnknown},
		{"ma", "", codeSexUnknown},
	}
	for _, tt := range tests {
		got, p := ParseSex(tt.in)
		checkParse(t, tt.in, got, p, tt.want, tt.code)
	}
}

func TestPostcode(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"1234AB", "1234AB", ""},
		{"1234 ab", "1234AB", ""},
		{" 1234AB ", "1234AB", ""},
		{"1234  aB", "1234AB", ""},
		{"1 2 3 4 A B", "1234AB", ""},
		{"NL-1234 AB", "1234AB", ""},
		{"nl 1234ab", "1234AB", ""},
		{"NL1234AB", "1234AB", ""},
		{"BE-1000", "BE-1000", ""},
		{"DE 10115", "DE-10115", ""},
		{"be:1000", "BE-1000", ""},
		{"BE1000", "BE-1000", ""},
		{"GB-SW1A 1AA", "GB-SW1A1AA", ""},
		{"UK SW1A 1AA", "GB-SW1A1AA", ""},
		{"0234AB", "", codePCDutch},
		{"1234A", "", codePCDutch},
		{"1234ABC", "", codePCDutch},
		{"12345", "", codePCDutch},
		{"1234-AB", "", codePCDutch},
		{"NL-1000", "", codePCDutch},
		{"1234SA", "", codePCNotIssued},
		{"1234 sd", "", codePCNotIssued},
		{"1234SS", "", codePCNotIssued},
		{"QQ-1000", "", codePCCountry},
		{"B-1000", "", codePCCountry},
		{"", "", codePCCountry},
		{"ÄB-1000", "", codePCCountry},
		{"BE-", "", codePCForeign},
		{"BE-1000_2", "", codePCForeign},
		{"DE-12345678901", "", codePCForeign},
	}
	for _, tt := range tests {
		p, prob := ParsePostcode(tt.in)
		got := ""
		if prob == nil {
			got = p.String()
		}
		checkParse(t, tt.in, got, prob, tt.want, tt.code)
		c, code := canonicalPostcode(tt.in)
		if c != tt.want || code != tt.code {
			t.Errorf("canonicalPostcode(%q) = %q %q", tt.in, c, code)
		}
	}
	p, _ := ParsePostcode("1234 ab")
	if p != (Postcode{"NL", "1234AB", "1234"}) {
		t.Errorf("got %+v", p)
	}
}

func TestCountryTable(t *testing.T) {
	// 249 officially assigned codes plus XK.
	if n := len(strings.Fields(iso3166)); n != 250 {
		t.Errorf("iso3166 has %d codes, want 250", n)
	}
}

func TestHouseNumber(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"12", "12", ""},
		{"012", "12", ""},
		{"12a", "12-A", ""},
		{"12 A", "12-A", ""},
		{"12-a", "12-A", ""},
		{"12/a", "12-A", ""},
		{"12-3", "12-3", ""},
		{"12 bis", "12-BIS", ""},
		{"12 3 hoog", "12-3HOOG", ""},
		{"12-A", "12-A", ""},
		{"99999", "99999", ""},
		{"", "", codeHNNoNumber},
		{"0", "", codeHNNoNumber},
		{"000a", "", codeHNNoNumber},
		{"a12", "", codeHNNoNumber},
		{"123456", "", codeHNTooLong},
		{"12 abcdefghijk", "", codeHNAddition},
		{"12 ä", "", codeHNAddition},
		{"12#", "", codeHNAddition},
	}
	for _, tt := range tests {
		h, p := ParseHouseNumber(tt.in)
		got := ""
		if p == nil {
			got = h.String()
		}
		checkParse(t, tt.in, got, p, tt.want, tt.code)
		c, code := canonicalHouseNumber(tt.in)
		if c != tt.want || code != tt.code {
			t.Errorf("canonicalHouseNumber(%q) = %q %q", tt.in, c, code)
		}
	}
}

func TestAGB(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"01234567", "01234567", ""},
		{"0123 4567", "01234567", ""},
		{"01.23.45.67", "01234567", ""},
		{"1234567", "", codeAGB},
		{"012345678", "", codeAGB},
		{"0123456A", "", codeAGB},
		{"", "", codeAGB},
	}
	for _, tt := range tests {
		got, p := ParseAGB(tt.in)
		checkParse(t, tt.in, got, p, tt.want, tt.code)
	}
}

func TestPatientNumber(t *testing.T) {
	tests := []struct {
		in, want string
		code     Code
	}{
		{"A12345", "A12345", ""},
		{" a12345 ", "A12345", ""},
		{"ab  12\t34", "AB 12 34", ""},
		{"\uFEFF 12", "12", ""},
		{"é-12", "é-12", ""},
		{strings.Repeat("1", 64), strings.Repeat("1", 64), ""},
		{strings.Repeat("1", 65), "", codePNTooLong},
		{strings.Repeat("a", 65), "", codePNTooLong},
		{"", "", codePNEmpty},
		{"  ", "", codePNEmpty},
		{"12\x0034", "", codePNChars},
		{"12\xff", "", codePNChars},
	}
	for _, tt := range tests {
		got, p := ParsePatientNumber(tt.in)
		checkParse(t, tt.in, got, p, tt.want, tt.code)
	}
	if got, p := CanonicalPatientNumber("0123 4567", "a1"); got != "01234567:A1" || p != nil {
		t.Errorf("CanonicalPatientNumber: %q %v", got, p)
	}
	if got, p := CanonicalPatientNumber("", "a1"); got != "" || p == nil || p.Code != codePNNoAGB {
		t.Errorf("CanonicalPatientNumber without AGB: %q %v", got, p)
	}
}

func TestParseField(t *testing.T) {
	for _, f := range AllFields() {
		g, err := ParseField(" " + strings.ToUpper(string(f)) + " ")
		if err != nil || g != f {
			t.Errorf("ParseField(%q) = %q, %v", f, g, err)
		}
	}
	if _, err := ParseField("123456782"); err == nil || strings.Contains(err.Error(), "123456782") {
		t.Errorf("unknown field: error %v must exist and not repeat the name", err)
	}
	if len(AllFields()) != 10 {
		t.Errorf("AllFields has %d fields", len(AllFields()))
	}
}

func TestProblem(t *testing.T) {
	p := newProblem(FieldBSN, codeBSNCheck)
	if !p.Fatal() || p.Error() != "F-103 bsn: BSN fails the 11-check (elfproef)" {
		t.Errorf("got %v %q", p.Fatal(), p.Error())
	}
	if newProblem(FieldBSN, codeBSNPadded).Fatal() || !Code("BF-001").Fatal() || Code("BW-001").Fatal() {
		t.Error("severity from the prefix is wrong")
	}
	if Rejected([]Problem{newProblem("", codeMissing)}) || !Rejected([]Problem{newProblem("", codeMissing), p}) {
		t.Error("Rejected is wrong")
	}
}

// TestCodesTable keeps the table well-formed: unique codes, numbering
// matching the field, every code the parsers use present.
func TestCodesTable(t *testing.T) {
	hundreds := map[Field]byte{
		FieldBSN: '1', FieldFamilyName: '2', FieldGivenNames: '2', FieldInitials: '2',
		FieldBirthDate: '3', FieldPostcode: '4', FieldHouseNumber: '4',
		FieldAGB: '5', FieldPatientNumber: '5', FieldSex: '6', FieldPersonPseudonym: '7', FieldReleased: '8', "": '9',
	}
	seen := map[Code]bool{}
	for _, c := range Codes {
		if seen[c.Code] {
			t.Errorf("%s listed twice", c.Code)
		}
		seen[c.Code] = true
		s := string(c.Code)
		if strings.HasPrefix(s, "BF-") || strings.HasPrefix(s, "BW-") {
			if c.Field != "" {
				t.Errorf("%s: file-level code with a field", s)
			}
			continue
		}
		if len(s) != 5 || (s[0] != 'F' && s[0] != 'W') || s[1] != '-' || s[2] != hundreds[c.Field] {
			t.Errorf("%s: numbering does not match field %q", s, c.Field)
		}
		if c.Message == "" {
			t.Errorf("%s: no message", s)
		}
	}
	for _, c := range []Code{codeBSNChars, codeBSNLength, codeBSNCheck, codeBSNZeros, codeBSNPadded,
		codeFamilyEmpty, codeFamilyDigits, codeFamilyChars, codeFamilyComma, codeFamilyScript,
		codeGivenEmpty, codeGivenDigits, codeGivenChars, codeGivenInitial, codeGivenScript,
		codeInitEmpty, codeInitChars, codeDateFormat, codeDateInvalid, codeDateFuture, codeDateTooOld,
		codePCDutch, codePCNotIssued, codePCCountry, codePCForeign, codeHNNoNumber, codeHNTooLong,
		codeHNAddition, codeAGB, codePNNoAGB, codePNEmpty, codePNTooLong, codePNChars,
		codeSexUnknown, codeSexU, codeRecordEmpty, codeMissing, codeColumns} {
		if !seen[c] {
			t.Errorf("%s used but not in Codes", c)
		}
	}
}
