package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// This file holds the character normalisation shared by the name parsers:
// compatibility decomposition, removal of diacritics, lower case, and a few
// letters that Unicode does not decompose but that are written without
// their stroke or ligature in Dutch records (ß, æ, ø, ł, ...).

// isASCII reports whether s is plain 7-bit ASCII, the common case that can
// skip the Unicode machinery entirely.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isSpaceByte is the ASCII whitespace the parsers trim and split on.
func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// isBlank reports whether s is empty or only whitespace (of any script).
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.TrimSpace(s[i:]) == ""
		}
		if !isSpaceByte(c) {
			return false
		}
	}
	return true
}

// trimASCIISpace trims ASCII whitespace without allocating.
func trimASCIISpace(s string) string {
	for len(s) > 0 && isSpaceByte(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpaceByte(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// foldName lower-cases s and removes diacritics. Apostrophe and hyphen look-
// alikes become ASCII ' and -, all whitespace becomes a single kind of
// space ' ' (not yet collapsed), and letters without a decomposition are
// spelled out (ß → ss). nonLatin reports letters of another script, which
// are kept (lower-cased) so that such names still link among sources that
// write them the same way.
//
// Invalid UTF-8 comes out as U+FFFD, which the callers reject as a
// character that does not belong in a name.
func foldName(s string) (folded string, nonLatin bool) {
	if isASCII(s) {
		return foldASCII(s), false
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		// Decompose rune by rune: the compatibility decomposition of one
		// rune is a table lookup that does not allocate, whereas a whole-
		// string NFKD allocates its reorder buffer. Reordering is only
		// needed for combining marks, and those are dropped.
		if strings.HasPrefix(s[i:], "´") {
			// The acute accent decomposes to a space and a combining mark,
			// but people type it as an apostrophe.
			b.WriteByte('\'')
			i += len("´")
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError || r < utf8.RuneSelf {
			nonLatin = foldRune(&b, r) || nonLatin // invalid UTF-8 stays U+FFFD
			continue
		}
		if hangulSBase <= r && r < hangulSBase+hangulSCount {
			nonLatin = true
			decomposeHangul(&b, r)
			continue
		}
		d := norm.NFKD.PropertiesString(s[i-size : i]).Decomposition()
		if d == nil {
			nonLatin = foldRune(&b, r) || nonLatin
			continue
		}
		for _, r := range string(d) {
			nonLatin = foldRune(&b, r) || nonLatin
		}
	}
	return b.String(), nonLatin
}

// foldRune writes the folded form of one decomposed rune and reports
// whether it is a letter of a script other than Latin.
func foldRune(b *strings.Builder, r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		b.WriteByte(foldByte(byte(r)))
		return false
	case unicode.IsMark(r):
		return false // the diacritics left over after decomposition
	case unicode.Is(unicode.Cf, r):
		return false // invisible format characters: soft hyphen, zero-width space, BOM
	case unicode.IsSpace(r):
		b.WriteByte(' ')
		return false
	}
	if rep, ok := specialLetters[r]; ok {
		b.WriteString(rep)
		return false
	}
	r = unicode.ToLower(r)
	if r == 'ς' { // final sigma: fold to the ordinary sigma
		r = 'σ'
	}
	b.WriteRune(r)
	return unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r)
}

// Hangul syllables are decomposed by arithmetic rather than by table
// (Unicode 3.12); norm's per-rune properties do not include them.
const (
	hangulSBase  = 0xAC00
	hangulLBase  = 0x1100
	hangulVBase  = 0x1161
	hangulTBase  = 0x11A7
	hangulTCount = 28
	hangulNCount = 21 * hangulTCount
	hangulSCount = 19 * hangulNCount
)

func decomposeHangul(b *strings.Builder, r rune) {
	i := r - hangulSBase
	b.WriteRune(hangulLBase + i/hangulNCount)
	b.WriteRune(hangulVBase + i%hangulNCount/hangulTCount)
	if t := i % hangulTCount; t != 0 {
		b.WriteRune(hangulTBase + t)
	}
}

// foldASCII lower-cases ASCII letters and turns whitespace into ' '. It
// returns s itself when nothing changes, which is the usual case for data
// that has been through foldName already.
func foldASCII(s string) string {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if foldByte(c) != c {
			break
		}
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		b[i] = foldByte(b[i])
	}
	return string(b)
}

// foldByte is foldName for one ASCII byte.
func foldByte(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '`':
		return '\''
	case isSpaceByte(c):
		return ' '
	}
	return c
}

// specialLetters are letters that NFKD leaves alone but that Dutch
// administrations write in plain Latin letters, plus punctuation that
// stands in for the ASCII apostrophe and hyphen. Keys are lower- and
// upper-case because the map is consulted before lower-casing.
var specialLetters = map[rune]string{
	'ß': "ss", 'ẞ': "ss",
	'æ': "ae", 'Æ': "ae",
	'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l",
	'đ': "d", 'Đ': "d",
	'ð': "d", 'Ð': "d",
	'þ': "th", 'Þ': "th",
	'ħ': "h", 'Ħ': "h",
	'ŧ': "t", 'Ŧ': "t",
	'ı': "i", // dotless i (Turkish); İ decomposes to I + dot already
	'ĸ': "k",
	'ŋ': "n", 'Ŋ': "n",
	'ſ': "s", // long s

	// Apostrophe look-alikes.
	'\u2018': "'", '\u2019': "'", '\u201B': "'", '\u02BC': "'", '\u2032': "'",
	// Hyphen and dash look-alikes (U+2011 decomposes to U+2010).
	'\u2010': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-", '\u2212': "-",
}
