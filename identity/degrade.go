package identity

import (
	"slices"
	"strings"
)

// A value that normalisation rejects still says something about a person.
// Coding (ttp code) rejects its record, since a pseudonym of a wrong value
// is a wrong pseudonym; the person index (ttp link) instead keeps what is
// sound in it and compares that, so that one bad field degrades the field,
// not the record. The functions below are that salvage: each returns the
// zero value when nothing usable is left, and the caller reports
// LinkageWarning(field) instead of the F-code.

// LinkageWarning is the W-code registration reports, instead of an F-code
// of field f, for a value it degrades rather than rejects; "" for a field
// whose problems still reject the record (agb, patient_number: they name
// the record's source, not its person).
func LinkageWarning(f Field) Code {
	return linkageWarnings[f]
}

var linkageWarnings = map[Field]Code{
	FieldBSN:         CodeLinkBSN,
	FieldFamilyName:  CodeLinkFamilyName,
	FieldGivenNames:  CodeLinkGivenNames,
	FieldInitials:    CodeLinkInitials,
	FieldBirthDate:   CodeLinkBirthDate,
	FieldSex:         CodeLinkSex,
	FieldPostcode:    CodeLinkPostcode,
	FieldHouseNumber: CodeLinkHouseNumber,
}

// BSNTypo returns the 9 digits of a BSN that fails only the 11-check: not an
// identifier, but most likely a typo of one (a single wrong digit, and
// nearly every swap of two digits, fails the check). "" when the value is
// not 9 digits (8 padded) or fails otherwise.
func BSNTypo(s string) string {
	if _, code := canonicalBSN(s); code != codeBSNCheck {
		return ""
	}
	var d []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			d = append(d, s[i])
		}
	}
	if len(d) == 8 {
		d = append([]byte{'0'}, d...)
	}
	return string(d)
}

// BSNCorrections returns the BSNs that a BSN typo (9 digits that fail the
// 11-check, as BSNTypo returns them) is one wrong digit or one swap of two
// neighbouring digits away from: the numbers it most likely was meant to
// be. A wrong digit has at most one correction per position (the 11-check's
// weights are all non-zero modulo 11), so there are at most 17, usually
// about 9. Nil for anything else.
func BSNCorrections(typo string) []string {
	if len(typo) != 9 || !allDigits(typo) || checkBSN(typo) != codeBSNCheck {
		return nil
	}
	var out []string
	d := []byte(typo)
	try := func() {
		if s := string(d); checkBSN(s) == "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for i := range d {
		was := d[i]
		for c := byte('0'); c <= '9'; c++ {
			if c != was {
				d[i] = c
				try()
			}
		}
		d[i] = was
	}
	for i := 0; i+1 < len(d); i++ {
		if d[i] != d[i+1] {
			d[i], d[i+1] = d[i+1], d[i]
			try()
			d[i], d[i+1] = d[i+1], d[i]
		}
	}
	return out
}

// PartialBirthDate keeps the parts of a birth date that does not exist in
// the calendar (19450231) that are each possible: a year from 1880 to
// today's, a month from 1 to 12, a day from 1 to 31; the others are 0. A
// date in another format, in the future or before 1880 gives the zero
// Date: which of its parts is wrong cannot be told.
func PartialBirthDate(s string, today Date) Date {
	s = trimASCIISpace(s)
	if _, code := parseDate(s, today); code != codeDateInvalid {
		return Date{}
	}
	var d Date
	if len(s) == 8 && allDigits(s) {
		d = Date{atoi(s[:4]), atoi(s[4:6]), atoi(s[6:])}
	} else {
		d, _ = splitDate(s)
	}
	if d.Year < earliestBirthDate.Year || d.Year > today.Year {
		d.Year = 0
	}
	if d.Month < 1 || d.Month > 12 {
		d.Month = 0
	}
	if d.Day < 1 || d.Day > 31 {
		d.Day = 0
	}
	return d
}

// ocrDigits reads digits in a name as the letters they are most often
// mistaken for (optical character recognition, and typing on a keyboard
// row away).
var ocrDigits = strings.NewReplacer("0", "o", "1", "l", "2", "z", "3", "e", "4", "a", "5", "s", "6", "b", "7", "t", "8", "b", "9", "g")

// dropNameJunk turns characters no name holds into spaces.
func dropNameJunk(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("()[]{}/\\<>*+=_#@&!?\";:|~^%$", r) {
			return ' '
		}
		return r
	}, s)
}

// DegradedFamilyName reads a family name that has digits (OCR: "Sm1th") or
// characters no name has, with the digits read as letters and the other
// characters as spaces. The result is compared like any name: exactly when
// the reading was right, by its letter pairs (Dice) when it was not.
func DegradedFamilyName(s string) FamilyName {
	n, code := parseFamilyName(ocrDigits.Replace(dropNameJunk(s)))
	if code.Fatal() {
		return FamilyName{}
	}
	return n
}

// DegradedGivenNames is DegradedFamilyName for given names.
func DegradedGivenNames(s string) GivenNames {
	g, p := ParseGivenNames(ocrDigits.Replace(dropNameJunk(s)))
	if p != nil && p.Fatal() {
		return GivenNames{}
	}
	return g
}

// DegradedPostcode keeps the 4 digits at the start of a Dutch-looking
// postcode that is not valid ("0123 AB", "1234 SS", "12345", "1234 A"):
// as Area, and with its 2 letters as Code when it has exactly those.
func DegradedPostcode(s string) Postcode {
	var b []byte
	for i := 0; i < len(s); i++ {
		if !isSpaceByte(s[i]) {
			b = append(b, upper(s[i]))
		}
	}
	if len(b) >= 2 && b[0] == 'N' && b[1] == 'L' {
		b = b[2:]
	}
	if len(b) < 4 || !allDigits(string(b[:4])) {
		return Postcode{}
	}
	p := Postcode{Country: "NL", Area: string(b[:4])}
	if len(b) == 6 && isASCIILetter(b[4]) && isASCIILetter(b[5]) {
		p.Code = string(b)
	}
	return p
}

// DegradedHouseNumber keeps the number of a house number whose addition
// is unreadable ("12 c/o"); the zero value when it has no usable number.
func DegradedHouseNumber(s string) HouseNumber {
	s = trimASCIISpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 5 {
		return HouseNumber{}
	}
	if n := atoi(s[:i]); n > 0 {
		return HouseNumber{Number: n}
	}
	return HouseNumber{}
}
