package identity

import "strings"

// Code identifies a kind of problem. Codes are stable: data managers look
// them up in docs/problem-codes.md and registries count them in reports.
//
// The prefix says what happens to the data, following the upload report of
// the Dutch heart registry:
//
//	F-   the record is rejected
//	W-   the record is accepted with a warning
//	BF-  the whole file is rejected
//	BW-  the file is accepted with a warning
//
// The hundreds digit says which field is concerned: 1 BSN, 2 names and
// initials, 3 birth date, 4 postcode and house number, 5 AGB and patient
// number, 6 sex, 7 a person pseudonym sent for conversion, 8 a file's
// release (ttp release), 9 the record or row as a whole.
type Code string

// CodeInfo describes one code. Message is the complete, fixed text used in
// every Problem with that code: messages are never built from input, so an
// identifier can never leak into an error or a log line through them.
type CodeInfo struct {
	Code    Code
	Field   Field // empty for record- and file-level codes
	Message string
}

// Codes is the single table of problem codes. docs/problem-codes.md must
// list exactly these codes (a test checks it). Never renumber or reuse a
// code; retire it by leaving it in the table.
var Codes = []CodeInfo{
	{"F-101", FieldBSN, "BSN contains characters other than digits, spaces, dots and hyphens"},
	{"F-102", FieldBSN, "BSN does not have 9 digits (8 digits are accepted and padded)"},
	{"F-103", FieldBSN, "BSN fails the 11-check (elfproef)"},
	{"F-104", FieldBSN, "BSN consists of zeros only"},
	{"W-101", FieldBSN, "BSN had 8 digits and was padded with a leading zero"},
	{"W-102", FieldBSN, "BSN is not valid: the person index does not use it as an identifier, only compares a BSN that fails the 11-check with other BSNs as a possible typo"},

	{"F-201", FieldFamilyName, "family name contains no letters"},
	{"F-202", FieldFamilyName, "family name contains digits"},
	{"F-203", FieldFamilyName, "family name contains characters other than letters, spaces, hyphens, apostrophes, dots and commas"},
	{"F-204", FieldFamilyName, "family name contains a comma that is not followed by a name prefix only (expected e.g. 'Berg, van der')"},
	{"W-201", FieldFamilyName, "family name contains letters outside the Latin script; other sources may transliterate it differently"},
	{"F-211", FieldGivenNames, "given names contain no letters"},
	{"F-212", FieldGivenNames, "given names contain digits"},
	{"F-213", FieldGivenNames, "given names contain characters other than letters, spaces, hyphens, apostrophes and dots"},
	{"W-211", FieldGivenNames, "given names look like initials; only the initials are used"},
	{"W-212", FieldGivenNames, "given names contain letters outside the Latin script; other sources may transliterate them differently"},
	{"W-202", FieldFamilyName, "family name is not valid: the person index compares it with digits read as letters and other characters dropped, or ignores it"},
	{"W-213", FieldGivenNames, "given names are not valid: the person index compares them with digits read as letters and other characters dropped, or ignores them"},
	{"W-223", FieldInitials, "initials are not valid: the person index ignores them"},
	{"F-221", FieldInitials, "initials contain no letters"},
	{"F-222", FieldInitials, "initials contain characters other than letters, dots, spaces and hyphens"},

	{"F-301", FieldBirthDate, "birth date is not in a recognised format (yyyy-mm-dd, dd-mm-yyyy, d-m-yyyy, yyyymmdd, d/m/yyyy)"},
	{"F-302", FieldBirthDate, "birth date does not exist in the calendar"},
	{"F-303", FieldBirthDate, "birth date is in the future"},
	{"F-304", FieldBirthDate, "birth date is before 1880-01-01"},
	{"W-302", FieldBirthDate, "birth date is not valid: the person index compares its possible parts (year, month, day) of a date that does not exist, and ignores any other"},

	{"F-401", FieldPostcode, "Dutch postcode is not 4 digits (the first not 0) followed by 2 letters"},
	{"F-402", FieldPostcode, "Dutch postcode has the letters SA, SD or SS, which are never issued"},
	{"F-403", FieldPostcode, "postcode is not Dutch and does not start with a known ISO 3166 country code"},
	{"F-404", FieldPostcode, "foreign postcode is empty, longer than 10 characters, or contains characters other than letters and digits"},
	{"F-411", FieldHouseNumber, "house number does not start with a number greater than zero"},
	{"F-412", FieldHouseNumber, "house number has more than 5 digits"},
	{"F-413", FieldHouseNumber, "house number addition is longer than 10 characters or contains characters other than letters and digits"},
	{"W-402", FieldPostcode, "postcode is not valid: the person index compares its first 4 digits, if it starts with them, and ignores the rest"},
	{"W-412", FieldHouseNumber, "house number is not valid: the person index compares its number, if it starts with one, and ignores the rest"},

	{"F-501", FieldAGB, "AGB code is not 8 digits"},
	{"F-502", FieldPatientNumber, "patient number given without a valid AGB code of the institution"},
	{"F-503", FieldPatientNumber, "patient number is empty"},
	{"F-504", FieldPatientNumber, "patient number is longer than 64 characters"},
	{"F-505", FieldPatientNumber, "patient number contains control characters or is not valid UTF-8"},
	{"F-506", FieldPatientNumber, "patient number missing: a record registered in the person index needs the patient number, or a source name for the file"},
	{"F-507", FieldAGB, "AGB code is not one of those the calling organisation may register under"},

	{"F-601", FieldSex, "sex is not a recognised code (M, V, F, X, O, U, 0, 1, 2, 9, man, vrouw, male, female)"},
	{"W-601", FieldSex, "sex is recorded as unknown"},
	{"W-602", FieldSex, "sex is not a recognised code: the person index ignores it"},

	{"F-701", FieldPersonPseudonym, "person pseudonym is malformed (not v<version>.<26 base32 characters>)"},
	{"F-702", FieldPersonPseudonym, "not a person pseudonym of the source domain (another domain's, a field pseudonym, or mistyped)"},
	{"F-703", FieldPersonPseudonym, "person pseudonym under a key version the source domain does not have"},
	{"F-704", FieldPersonPseudonym, "withheld: the person is not in the index any more"},

	// 8xx: ttp release (package client/release), disclosure control of a
	// file before it goes to a researcher.
	{"W-801", FieldReleased, "date not in a recognised format or not in the calendar: suppressed in the release"},
	{"W-802", FieldReleased, "postcode is not Dutch, so it has no 4-digit area: suppressed in the release"},
	{"W-803", FieldReleased, "postcode area is not in the region lookup file: suppressed in the release"},
	{"W-804", FieldReleased, "date is after the reference date of the age: suppressed in the release"},
	{"W-805", FieldReleased, "quasi-identifier suppressed so that the record's class has at least k records"},
	{"F-801", FieldReleased, "record left out of the release: its class of quasi-identifiers has fewer than k records"},
	{"F-802", FieldReleased, "record left out of the release: below k even with every quasi-identifier suppressed"},

	{"F-901", "", "record has no identifying value at all"},
	{"W-901", "", "value missing"},
	{"F-902", "", "row has a different number of columns than the header"},
	{"F-903", "", "a mapped column is not valid UTF-8 (with -encoding utf-8)"},
	{"F-904", "", "record has too little evidence to be registered in the person index: it needs BSN and birth date, or family name, birth date and a given name, initials or postcode, or a given name and birth date with postcode and house number, or (without a birth date) BSN, family name and a given name or initials, or family name and a given name with postcode and house number"},
	{"F-905", "", "the patient objected to registration: the record is not registered"},
	{"F-910", "", "a value is longer than 1,024 bytes, the most the TTP accepts"},

	{"BF-001", "", "file is not a readable CSV text file (binary content or NUL bytes)"},
	{"BF-002", "", "broken quoting in CSV"},
	{"BF-003", "", "file has no header row"},
	{"BF-004", "", "duplicate column name in header"},
	{"BF-005", "", "a mapped column is missing from the header"},
	{"BF-006", "", "a column that is not mapped holds identifiers and would pass to the output unchanged"},

	{"BW-001", "", "file is not UTF-8 but Windows-1252 or UTF-16: it was read as such, and the output is UTF-8"},
	{"BW-002", "", "file is UTF-8 but some bytes are not: they were read as Windows-1252"},
	{"BW-003", "", "rows have bytes that are not UTF-8 in columns passed on unchanged: they are in the output as they were"},
}

// The codes this package itself produces, named so the parsers read well.
const (
	codeBSNChars     Code = "F-101"
	codeBSNLength    Code = "F-102"
	codeBSNCheck     Code = "F-103"
	codeBSNZeros     Code = "F-104"
	codeBSNPadded    Code = "W-101"
	codeFamilyEmpty  Code = "F-201"
	codeFamilyDigits Code = "F-202"
	codeFamilyChars  Code = "F-203"
	codeFamilyComma  Code = "F-204"
	codeFamilyScript Code = "W-201"
	codeGivenEmpty   Code = "F-211"
	codeGivenDigits  Code = "F-212"
	codeGivenChars   Code = "F-213"
	codeGivenInitial Code = "W-211"
	codeGivenScript  Code = "W-212"
	codeInitEmpty    Code = "F-221"
	codeInitChars    Code = "F-222"
	codeDateFormat   Code = "F-301"
	codeDateInvalid  Code = "F-302"
	codeDateFuture   Code = "F-303"
	codeDateTooOld   Code = "F-304"
	codePCDutch      Code = "F-401"
	codePCNotIssued  Code = "F-402"
	codePCCountry    Code = "F-403"
	codePCForeign    Code = "F-404"
	codeHNNoNumber   Code = "F-411"
	codeHNTooLong    Code = "F-412"
	codeHNAddition   Code = "F-413"
	codeAGB          Code = "F-501"
	codePNNoAGB      Code = "F-502"
	codePNEmpty      Code = "F-503"
	codePNTooLong    Code = "F-504"
	codePNChars      Code = "F-505"
	// CodeObjected is given by registration (package linkage) to a record
	// of a patient who objected.
	CodeObjected Code = "F-905"
	// CodeNoSource is given by registration (package linkage), not by
	// normalisation: a record it cannot tell apart from others.
	CodeNoSource Code = "F-506"
	// CodeAGBNotOwned and CodeTooLittleEvidence are given by registration
	// too: a patient number of an institution the caller does not speak
	// for, and a record too thin to tell one person from many.
	CodeAGBNotOwned       Code = "F-507"
	CodeTooLittleEvidence Code = "F-904"
	// The CodeLink... warnings are given by registration for a value whose
	// F-code it degrades to a warning (see LinkageWarning).
	CodeLinkBSN         Code = "W-102"
	CodeLinkFamilyName  Code = "W-202"
	CodeLinkGivenNames  Code = "W-213"
	CodeLinkInitials    Code = "W-223"
	CodeLinkBirthDate   Code = "W-302"
	CodeLinkPostcode    Code = "W-402"
	CodeLinkHouseNumber Code = "W-412"
	CodeLinkSex         Code = "W-602"
	codeSexUnknown      Code = "F-601"
	codeSexU            Code = "W-601"
	codeRecordEmpty     Code = "F-901"
	codeMissing         Code = "W-901"
	codeColumns         Code = "F-902"
)

var codeMessages = func() map[Code]string {
	m := make(map[Code]string, len(Codes))
	for _, c := range Codes {
		m[c.Code] = c.Message
	}
	return m
}()

// Message returns the fixed message for c, or "" for an unknown code.
func (c Code) Message() string { return codeMessages[c] }

// Fatal reports whether c rejects its record (F-) or its file (BF-).
func (c Code) Fatal() bool {
	return strings.HasPrefix(string(c), "F-") || strings.HasPrefix(string(c), "BF-")
}

// Problem is one finding about one value or record. Message never contains
// the input value.
type Problem struct {
	Field   Field // empty for record-level problems
	Code    Code
	Message string
}

// NewProblem is the problem c about field f, with c's fixed message.
func NewProblem(f Field, c Code) Problem { return newProblem(f, c) }

func newProblem(f Field, c Code) Problem {
	return Problem{Field: f, Code: c, Message: codeMessages[c]}
}

// problemPtr turns a parser's code into the *Problem of the public API:
// nil when there was nothing to report.
func problemPtr(f Field, c Code) *Problem {
	if c == "" {
		return nil
	}
	p := newProblem(f, c)
	return &p
}

// Fatal reports whether the problem rejects the record (F-codes; BF-codes
// reject the whole file). W-codes are warnings: the record is accepted.
func (p Problem) Fatal() bool { return p.Code.Fatal() }

// Error formats the problem as "F-101 bsn: <message>".
func (p Problem) Error() string {
	if p.Field == "" {
		return string(p.Code) + ": " + p.Message
	}
	return string(p.Code) + " " + string(p.Field) + ": " + p.Message
}

// Rejected reports whether any of the problems is fatal.
func Rejected(ps []Problem) bool {
	for i := range ps {
		if ps[i].Fatal() {
			return true
		}
	}
	return false
}
