package identity

import "strings"

// Postcode is a parsed postcode.
type Postcode struct {
	Country string // ISO 3166 alpha-2, "NL" for Dutch postcodes
	Code    string // "1234AB" in the Netherlands; upper-case letters and digits abroad
	Area    string // the 4 digits of a Dutch postcode; "" abroad
}

// String returns the canonical form: "1234AB" for a Dutch postcode,
// "CC-CODE" (e.g. "BE-1000") for a foreign one.
func (p Postcode) String() string {
	if p.Country == "NL" {
		return p.Code
	}
	return p.Country + "-" + p.Code
}

// ParsePostcode parses a Dutch or foreign postcode.
//
// Dutch: 4 digits, the first not 0, and 2 letters, with any spacing and
// letter case ("1234 ab", " 1234AB "), optionally after "NL". Letters SA,
// SD and SS are never issued (F-402); other malformed Dutch codes F-401.
//
// Foreign: an ISO 3166 alpha-2 country code, optionally followed by "-",
// ":" or spaces, then the postcode: "BE-1000", "DE 10115", "be:1000". The
// country must be officially assigned (UK is read as GB; XK, Kosovo, is
// accepted) or it is F-403. The postcode keeps its letters and digits,
// upper-cased; spaces and hyphens inside it are dropped ("GB-SW1A 1AA"
// gives "GB-SW1A1AA"); it must have 1 to 10 of them and nothing else
// (F-404).
func ParsePostcode(s string) (Postcode, *Problem) {
	p, code := parsePostcode(s)
	return p, problemPtr(FieldPostcode, code)
}

func canonicalPostcode(s string) (string, Code) {
	s = trimASCIISpace(s)
	if len(s) == 6 && isDutchPostcode(s) {
		if code := checkDutchLetters(s[4], s[5]); code != "" {
			return "", code
		}
		return s, "" // already canonical
	}
	p, code := parsePostcode(s)
	if code != "" {
		return "", code
	}
	return p.String(), ""
}

// isDutchPostcode reports whether s is exactly 4 digits (first not 0) and
// 2 upper-case letters.
func isDutchPostcode(s string) bool {
	return s[0] >= '1' && s[0] <= '9' && allDigits(s[1:4]) &&
		s[4] >= 'A' && s[4] <= 'Z' && s[5] >= 'A' && s[5] <= 'Z'
}

func checkDutchLetters(a, b byte) Code {
	if a == 'S' && (b == 'A' || b == 'D' || b == 'S') {
		return codePCNotIssued
	}
	return ""
}

func parsePostcode(s string) (Postcode, Code) {
	s = trimASCIISpace(s)
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		return parseDutchPostcode(s)
	}
	if len(s) < 2 || !isASCIILetter(s[0]) || !isASCIILetter(s[1]) {
		return Postcode{}, codePCCountry
	}
	country := string([]byte{upper(s[0]), upper(s[1])})
	rest := s[2:]
	for rest != "" && (rest[0] == '-' || rest[0] == ':' || isSpaceByte(rest[0])) {
		rest = rest[1:]
	}
	if country == "NL" {
		return parseDutchPostcode(rest)
	}
	if country == "UK" {
		country = "GB"
	}
	if !isCountry(country) {
		return Postcode{}, codePCCountry
	}
	var buf [10]byte
	n := 0
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == ' ' || c == '-':
			continue
		case isASCIILetter(c) || (c >= '0' && c <= '9'):
			if n == len(buf) {
				return Postcode{}, codePCForeign
			}
			buf[n] = upper(c)
			n++
		default:
			return Postcode{}, codePCForeign
		}
	}
	if n == 0 {
		return Postcode{}, codePCForeign
	}
	return Postcode{Country: country, Code: string(buf[:n])}, ""
}

// parseDutchPostcode reads "1234AB" with spaces anywhere and either case.
func parseDutchPostcode(s string) (Postcode, Code) {
	var buf [6]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSpaceByte(c) {
			continue
		}
		if n == len(buf) {
			return Postcode{}, codePCDutch
		}
		buf[n] = upper(c)
		n++
	}
	if n != 6 || !isDutchPostcode(string(buf[:])) {
		return Postcode{}, codePCDutch
	}
	if code := checkDutchLetters(buf[4], buf[5]); code != "" {
		return Postcode{}, code
	}
	code := string(buf[:])
	return Postcode{Country: "NL", Code: code, Area: code[:4]}, ""
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// iso3166 lists the officially assigned ISO 3166-1 alpha-2 codes, plus XK
// (Kosovo, user-assigned but in general use).
const iso3166 = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"XK " +
	"YE YT " +
	"ZA ZM ZW"

// countries is iso3166 as a 26×26 table, for a lookup without hashing.
var countries = func() (t [26 * 26]bool) {
	for _, c := range strings.Fields(iso3166) {
		t[int(c[0]-'A')*26+int(c[1]-'A')] = true
	}
	return t
}()

// isCountry reports whether cc (two upper-case ASCII letters) is assigned.
func isCountry(cc string) bool {
	return countries[int(cc[0]-'A')*26+int(cc[1]-'A')]
}
