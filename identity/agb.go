package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseAGB validates an AGB code (the Dutch health-care provider code of
// the institution) and returns its 8 digits. Spaces, dots and hyphens are
// layout and are dropped; anything else, or another number of digits, is
// F-501.
func ParseAGB(s string) (string, *Problem) {
	c, code := canonicalAGB(s)
	return c, problemPtr(FieldAGB, code)
}

func canonicalAGB(s string) (string, Code) {
	s = trimASCIISpace(s)
	if len(s) == 8 && allDigits(s) {
		return s, ""
	}
	var buf [8]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return "", codeAGB
			}
			buf[n] = c
			n++
		case c == ' ' || c == '.' || c == '-':
		default:
			return "", codeAGB
		}
	}
	if n != len(buf) {
		return "", codeAGB
	}
	return string(buf[:]), ""
}

// maxPatientNumber is the longest patient number accepted, in characters.
const maxPatientNumber = 64

// ParsePatientNumber normalises an institution's own patient number: the
// surrounding whitespace is removed, inner runs of whitespace (tabs too)
// become one space, invisible format characters are dropped, and ASCII
// letters are upper-cased (hospital systems are not consistent about case;
// other characters are kept as they are). Empty is F-503, more than 64
// characters F-504, other control characters or invalid UTF-8 F-505.
//
// The result is not a canonical value for pseudonyms on its own: a patient
// number is only unique within its institution. Use
// CanonicalPatientNumber to combine it with the institution's AGB code.
func ParsePatientNumber(s string) (string, *Problem) {
	c, code := canonicalLocalPatientNumber(s)
	return c, problemPtr(FieldPatientNumber, code)
}

// CanonicalPatientNumber returns the canonical value of a patient number
// for pseudonyms: the canonical AGB code, ":", and the normalised number,
// e.g. "01234567:A12345". An AGB code that is missing or invalid gives
// F-502.
func CanonicalPatientNumber(agb, number string) (string, *Problem) {
	a, code := canonicalAGB(agb)
	if code != "" {
		return "", problemPtr(FieldPatientNumber, codePNNoAGB)
	}
	n, code := canonicalLocalPatientNumber(number)
	if code != "" {
		return "", problemPtr(FieldPatientNumber, code)
	}
	return a + ":" + n, nil
}

func canonicalLocalPatientNumber(s string) (string, Code) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", codePNEmpty
	}
	clean := true // only ASCII upper case, digits and punctuation, single spaces
	count := 0
	for i, r := range s {
		count++
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return "", codePNChars
			}
		case r == ' ':
			if s[i-1] == ' ' {
				clean = false
			}
		case unicode.IsSpace(r) || unicode.Is(unicode.Cf, r):
			clean = false // tabs, no-break spaces, zero-width characters
		case unicode.IsControl(r):
			return "", codePNChars
		case r >= 'a' && r <= 'z':
			clean = false
		}
	}
	if clean {
		if count > maxPatientNumber {
			return "", codePNTooLong
		}
		return s, ""
	}
	var b strings.Builder
	b.Grow(len(s))
	count = 0
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r):
			continue // invisible: zero-width space, byte order mark
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			count++
		}
		space = false
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
		count++
	}
	if count > maxPatientNumber {
		return "", codePNTooLong
	}
	if count == 0 {
		return "", codePNEmpty
	}
	return b.String(), ""
}
