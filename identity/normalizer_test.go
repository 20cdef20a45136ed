package identity

import (
	"testing"
)

func TestNewNormalizer(t *testing.T) {
	tests := []struct {
		name   string
		fields []Field
		ok     bool
	}{
		{"typical", []Field{FieldBSN, FieldFamilyName, FieldBirthDate, FieldPostcode}, true},
		{"all", AllFields(), true},
		{"empty", nil, false},
		{"unknown", []Field{FieldBSN, "shoe_size"}, false},
		{"duplicate", []Field{FieldBSN, FieldFamilyName, FieldBSN}, false},
		{"patient number without agb", []Field{FieldPatientNumber, FieldBirthDate}, false},
		{"patient number with agb", []Field{FieldPatientNumber, FieldAGB}, true},
	}
	for _, tt := range tests {
		n, err := NewNormalizer(tt.fields, testToday)
		if (err == nil) != tt.ok || (n != nil) != tt.ok {
			t.Errorf("%s: got %v, %v", tt.name, n, err)
		}
	}
}

func codes(ps []Problem) []Code {
	var cs []Code
	for _, p := range ps {
		cs = append(cs, p.Code)
	}
	return cs
}

func equalCodes(a, b []Code) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNormalize(t *testing.T) {
	fields := []Field{FieldBSN, FieldFamilyName, FieldBirthDate, FieldPostcode, FieldSex, FieldPatientNumber, FieldAGB}
	n, err := NewNormalizer(fields, testToday)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		raw      []string
		want     []string
		codes    []Code
		rejected bool
	}{
		{"clean",
			[]string{"123456782", "Berg, van der", "4/3/2001", "1234 ab", "v", "p-1", "01234567"},
			[]string{"123456782", "van der berg", "2001-03-04", "1234AB", "F", "01234567:P-1", "01234567"},
			nil, false},
		{"warnings",
			[]string{"10000008", "Иванов", "2001-03-04", "BE-1000", "U", "", " "},
			[]string{"010000008", "иванов", "2001-03-04", "BE-1000", "U", "", ""},
			[]Code{codeBSNPadded, codeFamilyScript, codeSexU, codeMissing, codeMissing}, false},
		{"errors",
			[]string{"123456781", "Jansen2", "2023-02-30", "1234SA", "?", "1", "0123456"},
			[]string{"", "", "", "", "", "", ""},
			[]Code{codeBSNCheck, codeFamilyDigits, codeDateInvalid, codePCNotIssued, codeSexUnknown, codeAGB, codePNNoAGB}, true},
		{"patient number without agb value",
			[]string{"", "Jansen", "", "", "", "1", ""},
			[]string{"", "jansen", "", "", "", "", ""},
			[]Code{codeMissing, codeMissing, codeMissing, codeMissing, codeMissing, codePNNoAGB}, true},
		{"all missing",
			[]string{"", " ", "\t", "", "\u00a0", "", ""},
			[]string{"", "", "", "", "", "", ""},
			[]Code{codeRecordEmpty}, true},
		{"wrong number of columns",
			[]string{"123456782"},
			[]string{"", "", "", "", "", "", ""},
			[]Code{codeColumns}, true},
	}
	for _, tt := range tests {
		out := make([]string, len(fields))
		for i := range out {
			out[i] = "stale"
		}
		ps := n.Normalize(nil, tt.raw, out)
		for i := range out {
			if out[i] != tt.want[i] {
				t.Errorf("%s: out[%d] (%s) = %q, want %q", tt.name, i, fields[i], out[i], tt.want[i])
			}
		}
		if !equalCodes(codes(ps), tt.codes) || Rejected(ps) != tt.rejected {
			t.Errorf("%s: problems %v (rejected %v), want %v (%v)", tt.name, codes(ps), Rejected(ps), tt.codes, tt.rejected)
		}
		for _, p := range ps {
			if p.Message != p.Code.Message() {
				t.Errorf("%s: message of %s is not from the table", tt.name, p.Code)
			}
		}
	}
}

func TestNormalizeAppendsToDst(t *testing.T) {
	n, _ := NewNormalizer([]Field{FieldBSN}, testToday)
	dst := []Problem{newProblem("", codeColumns)}
	ps := n.Normalize(dst, []string{""}, make([]string, 1))
	// The record is all missing: F-901 replaces this record's W-901, but the
	// earlier content of dst stays.
	if !equalCodes(codes(ps), []Code{codeColumns, codeRecordEmpty}) {
		t.Errorf("got %v", codes(ps))
	}
}

func TestNormalizeValue(t *testing.T) {
	tests := []struct {
		f    Field
		raw  string
		want string
		code Code
	}{
		{FieldBSN, "111222333", "111222333", ""},
		{FieldFamilyName, "VAN DER BERG", "van der berg", ""},
		{FieldGivenNames, "J.P.", "jp", codeGivenInitial},
		{FieldInitials, "J.P.", "jp", ""},
		{FieldBirthDate, "20010304", "2001-03-04", ""},
		{FieldSex, "vrouw", "F", ""},
		{FieldPostcode, "1234 ab", "1234AB", ""},
		{FieldHouseNumber, "12 a", "12-A", ""},
		{FieldAGB, "01234567", "01234567", ""},
		{FieldPatientNumber, "A1", "", codePNNoAGB},
		{FieldBSN, " ", "", codeMissing},
		{FieldBSN, "12", "", codeBSNLength},
	}
	for _, tt := range tests {
		got, p := NormalizeValue(tt.f, tt.raw, testToday)
		checkParse(t, tt.raw, got, p, tt.want, tt.code)
		if p != nil && p.Field != tt.f {
			t.Errorf("%s %q: problem for field %q", tt.f, tt.raw, p.Field)
		}
	}
}

func TestNormalizeAllocations(t *testing.T) {
	n, _ := NewNormalizer([]Field{FieldBSN, FieldFamilyName, FieldBirthDate, FieldPostcode}, testToday)
	raw := []string{"123456782", "jansen", "2001-03-04", "1234AB"}
	out := make([]string, 4)
	dst := make([]Problem, 0, 8)
	allocs := testing.AllocsPerRun(100, func() { dst = n.Normalize(dst[:0], raw, out) })
	// Canonical input needs no new strings at all.
	if allocs > 0 {
		t.Errorf("%v allocations per canonical record", allocs)
	}
}

func TestWithToday(t *testing.T) {
	n, _ := NewNormalizer([]Field{FieldBirthDate}, Date{2024, 1, 1})
	out := make([]string, 1)
	if ps := n.Normalize(nil, []string{"2024-01-02"}, out); !Rejected(ps) {
		t.Error("future date accepted")
	}
	if ps := n.WithToday(Date{2024, 1, 2}).Normalize(nil, []string{"2024-01-02"}, out); Rejected(ps) {
		t.Errorf("today rejected: %v", ps)
	}
}

func TestToday(t *testing.T) {
	d := Today()
	if d.Year < 2024 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 {
		t.Errorf("Today() = %v", d)
	}
}
