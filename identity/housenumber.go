package identity

import "strconv"

// HouseNumber is a parsed Dutch house number.
type HouseNumber struct {
	Number   int    // 1..99999
	Addition string // upper-case letters and digits, e.g. "A", "3", "BIS"; "" if none
}

// String returns the canonical form: the number without leading zeros,
// then, if there is an addition, "-" and the addition: "12", "12-A",
// "12-3", "12-BIS". The hyphen keeps "12-3" apart from "123".
func (h HouseNumber) String() string {
	n := strconv.Itoa(h.Number)
	if h.Addition == "" {
		return n
	}
	return n + "-" + h.Addition
}

// ParseHouseNumber reads a house number and its addition: "12", "012",
// "12a", "12 A", "12-a", "12/a", "12-3", "12 bis", "12 3 hoog" (addition
// "3HOOG"). The addition is everything after the digits; spaces, hyphens,
// slashes and dots in it are dropped and letters upper-cased.
//
// No leading number, or number 0, is F-411; more than 5 digits F-412; an
// addition of more than 10 characters or with other characters F-413.
func ParseHouseNumber(s string) (HouseNumber, *Problem) {
	h, code := parseHouseNumber(s)
	return h, problemPtr(FieldHouseNumber, code)
}

func canonicalHouseNumber(s string) (string, Code) {
	s = trimASCIISpace(s)
	if s != "" && s[0] != '0' && len(s) <= 5 && allDigits(s) {
		return s, "" // the common case: a plain number
	}
	h, code := parseHouseNumber(s)
	if code != "" {
		return "", code
	}
	return h.String(), ""
}

func parseHouseNumber(s string) (HouseNumber, Code) {
	s = trimASCIISpace(s)
	i := 0
	for i < len(s) && s[i] == '0' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start {
		return HouseNumber{}, codeHNNoNumber // no digits, or only zeros
	}
	if i-start > 5 {
		return HouseNumber{}, codeHNTooLong
	}
	h := HouseNumber{Number: atoi(s[start:i])}
	var buf [10]byte
	n := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '/' || c == '.' || isSpaceByte(c):
			continue
		case isASCIILetter(c) || (c >= '0' && c <= '9'):
			if n == len(buf) {
				return HouseNumber{}, codeHNAddition
			}
			buf[n] = upper(c)
			n++
		default:
			return HouseNumber{}, codeHNAddition
		}
	}
	h.Addition = string(buf[:n])
	return h, ""
}
