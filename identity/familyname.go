package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FamilyName is a parsed family name: the Dutch surname prefix
// (tussenvoegsel, e.g. "van der") and the rest. Both are in canonical
// spelling: folded (see foldName), words separated by one space, double
// names joined by "-" without spaces, apostrophes dropped from the core.
type FamilyName struct {
	Prefix string // canonical prefix, e.g. "van der", "'t", "d'"; "" if none
	Core   string // e.g. "berg", "jansen-de vries"
}

// String returns the canonical form used for pseudonyms: Prefix + " " +
// Core, or Core alone when there is no prefix.
func (n FamilyName) String() string {
	if n.Prefix == "" {
		return n.Core
	}
	return n.Prefix + " " + n.Core
}

// ParseFamilyName normalises a family name. These all give "van der berg":
//
//	van der Berg   VAN DER BERG   Berg, van der   Berg v.d.   van der  Bérg
//
// Rules, in order:
//   - characters are folded: diacritics removed, lower case, ß → ss etc.;
//     other scripts are kept and reported with W-201;
//   - "Core, prefix" puts the prefix in front; the part after the comma
//     must be a known prefix (else F-204);
//   - abbreviations are expanded: v. and v → van; v.d., v.d, vd, v/d and
//     "v. d." → van der (the common reading, as "van de" and "van den" are
//     abbreviated the same way; data that means "van de" will not link);
//   - a hyphen separates the parts of a double name ("Jansen-de Vries");
//     each part keeps its own prefix, only the first one counts as Prefix;
//   - the longest known prefix at the start is split off, provided a word
//     remains for the core; without one, a Dutch prefix at the end of a
//     single-part name is taken ("Berg van der"), but not a foreign one
//     ("Nguyen Le" keeps "le" as a surname);
//   - a name that is only a prefix ("Van") is its own core;
//   - dots between words are separators ("St.Jan" = "St Jan");
//     apostrophes are dropped ("O'Brien" = "OBrien") except in the
//     prefixes 't, d' and l' ("d'Hondt" = "d' hondt").
//
// Digits give F-202, other punctuation F-203, no letters at all F-201.
func ParseFamilyName(s string) (FamilyName, *Problem) {
	n, code := parseFamilyName(s)
	return n, problemPtr(FieldFamilyName, code)
}

func canonicalFamilyName(s string) (string, Code) {
	n, code := parseFamilyName(s)
	if code.Fatal() {
		return "", code
	}
	return n.String(), code
}

// namePrefix is one entry of the tussenvoegsel table.
type namePrefix struct {
	words []string
	text  string
	dutch bool // may also be written after the core without a comma
}

// prefixTable holds the recognised prefixes, longest first so the first
// match is the longest. Spelling is canonical ("'t", not "het" — both exist
// and are kept apart).
var prefixTable = func() []namePrefix {
	dutch := []string{
		"van", "van de", "van der", "van den", "van het", "van 't", "van ter", "van te",
		"de", "den", "der", "het", "'t", "te", "ten", "ter",
		"in de", "in den", "in der", "in het", "in 't",
		"op de", "op den", "op der", "op het", "op 't", "op ten",
		"uit de", "uit den", "uit het", "uit 't", "uit te",
		"aan de", "aan den", "aan het", "aan 't",
		"bij de", "bij den", "bij het", "bij 't",
		"onder de", "onder den", "over de", "over den", "voor de", "voor den", "voor 't",
		"van in 't", "van op 't", "van de la",
	}
	foreign := []string{
		"d'", "l'", "la", "le", "du", "des", "de la", "de le", "de l'",
		"von", "von der", "von dem", "von den", "zu", "von zu", "vom", "zum", "zur",
		"da", "das", "dos", "do", "del", "della", "di", "el", "de los", "de las",
	}
	var t []namePrefix
	for _, p := range dutch {
		t = append(t, namePrefix{strings.Fields(p), p, true})
	}
	for _, p := range foreign {
		t = append(t, namePrefix{strings.Fields(p), p, false})
	}
	// Stable insertion sort by descending word count keeps it readable.
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && len(t[j].words) > len(t[j-1].words); j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
	return t
}()

// prefixAbbreviations are single written tokens that stand for prefix words.
var prefixAbbreviations = map[string][]string{
	"v.":   {"van"},
	"v":    {"van"},
	"v.d.": {"van", "der"},
	"v.d":  {"van", "der"},
	"vd":   {"van", "der"},
	"vd.":  {"van", "der"},
	"v/d":  {"van", "der"},
}

func hasWords(toks []string, words []string) bool {
	if len(toks) != len(words) {
		return false
	}
	for i := range words {
		if toks[i] != words[i] {
			return false
		}
	}
	return true
}

// leadingPrefix returns the number of tokens taken by the longest prefix at
// the start of toks that leaves at least one token, or 0.
func leadingPrefix(toks []string) int {
	for _, p := range prefixTable {
		if len(p.words) < len(toks) && hasWords(toks[:len(p.words)], p.words) {
			return len(p.words)
		}
	}
	return 0
}

// trailingPrefix is leadingPrefix at the end of toks, for Dutch prefixes.
func trailingPrefix(toks []string) int {
	for _, p := range prefixTable {
		if p.dutch && len(p.words) < len(toks) && hasWords(toks[len(toks)-len(p.words):], p.words) {
			return len(p.words)
		}
	}
	return 0
}

func isPrefix(toks []string) bool {
	for _, p := range prefixTable {
		if hasWords(toks, p.words) {
			return true
		}
	}
	return false
}

// nameChars classifies the runes of a folded name.
func nameChars(f string, punct string) (letter, digit, bad bool) {
	for _, r := range f {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			switch {
			case 'a' <= c && c <= 'z':
				letter = true
			case '0' <= c && c <= '9':
				digit = true
			case c == ' ' || strings.IndexByte(punct, c) >= 0:
			default:
				bad = true
			}
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsNumber(r):
			digit = true
		default:
			bad = true
		}
	}
	return
}

func hasLetter(s string) bool {
	letter, _, _ := nameChars(s, "-'./,")
	return letter
}

// appendNameTokens splits one hyphen-free, comma-free piece of a family
// name into words, expanding prefix abbreviations and splitting "d'hondt"
// into "d'" and "hondt". Apostrophes are dropped except in the prefix words
// 't, d' and l', and tokens without letters (stray dots) are dropped, so
// every word the parser emits is again parsed to itself: the canonical form
// is stable. A "/" outside "v/d" is reported as F-203.
func appendNameTokens(toks []string, piece string) ([]string, Code) {
	for piece != "" {
		var t string
		t, piece = nextField(piece, ' ')
		if t == "" {
			continue
		}
		if words, ok := prefixAbbreviations[t]; ok {
			toks = append(toks, words...)
			continue
		}
		if t == "d." && len(toks) > 0 && toks[len(toks)-1] == "van" {
			toks = append(toks, "der") // "v. d." written with a space
			continue
		}
		if len(t) > 2 && strings.HasSuffix(t, "'t") {
			switch head := t[:len(t)-2]; head {
			case "in", "op", "van", "uit", "aan", "bij", "voor":
				toks = append(toks, head, "'t") // "in't Veld"
				continue
			}
		}
		if len(t) > 2 && (t[:2] == "d'" || t[:2] == "l'") {
			toks = append(toks, t[:2])
			t = t[2:]
		}
		for t != "" {
			var w string
			w, t = nextField(t, '.')
			if strings.IndexByte(w, '/') >= 0 {
				return toks, codeFamilyChars
			}
			if w != "'t" && w != "d'" && w != "l'" && strings.IndexByte(w, '\'') >= 0 {
				w = strings.ReplaceAll(w, "'", "")
			}
			if words, ok := prefixAbbreviations[w]; ok {
				toks = append(toks, words...)
			} else if hasLetter(w) {
				toks = append(toks, w)
			}
		}
	}
	return toks, ""
}

// nextField returns the text before the first sep and the text after it.
func nextField(s string, sep byte) (field, rest string) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func parseFamilyName(s string) (FamilyName, Code) {
	f, nonLatin := foldName(s)
	letter, digit, bad := nameChars(f, "-'./,")
	switch {
	case digit:
		return FamilyName{}, codeFamilyDigits
	case bad:
		return FamilyName{}, codeFamilyChars
	case !letter:
		return FamilyName{}, codeFamilyEmpty
	}
	if !nonLatin && isOneWord(f) {
		return FamilyName{Core: f}, "" // the common "jansen": nothing to split
	}

	// "Berg, van der": the part after the comma must be a prefix.
	var commaPrefix []string
	if i := strings.IndexByte(f, ','); i >= 0 {
		tail := f[i+1:]
		f = f[:i]
		if strings.ContainsAny(tail, ",-") {
			return FamilyName{}, codeFamilyComma
		}
		var tailArr [4]string
		toks, code := appendNameTokens(tailArr[:0], tail)
		if code != "" {
			return FamilyName{}, code
		}
		if len(toks) > 0 {
			if !isPrefix(toks) {
				return FamilyName{}, codeFamilyComma
			}
			commaPrefix = toks
		}
	}

	// Tokenise the double-name parts; ends[i] is where part i stops.
	var tokArr [16]string
	var endArr [4]int
	toks, ends := tokArr[:0], endArr[:0]
	for rest := f; rest != ""; {
		var part string
		part, rest = nextField(rest, '-')
		before := len(toks)
		var code Code
		if toks, code = appendNameTokens(toks, part); code != "" {
			return FamilyName{}, code
		}
		if len(toks) > before {
			ends = append(ends, len(toks))
		}
	}
	if len(toks) == 0 {
		// Only a prefix was written, after a comma: it is the name.
		if len(commaPrefix) == 0 {
			return FamilyName{}, codeFamilyEmpty
		}
		toks, ends = commaPrefix, append(ends, len(commaPrefix))
		commaPrefix = nil
	}

	// Decide the prefix of the first part; first[coreLo:coreHi] is its core.
	first := toks[:ends[0]]
	prefix := commaPrefix
	coreLo, coreHi := 0, len(first)
	switch {
	case prefix != nil:
	case isPrefix(first):
		// "Van" alone: the word is the core.
	default:
		if k := leadingPrefix(first); k > 0 {
			prefix, coreLo = first[:k], k
		} else if len(ends) == 1 {
			if k := trailingPrefix(first); k > 0 {
				prefix, coreHi = first[len(first)-k:], len(first)-k
			}
		}
	}

	var b strings.Builder
	b.Grow(len(f) + 8)
	writeWords(&b, prefix)
	prefixLen := b.Len()
	if prefixLen > 0 {
		b.WriteByte(' ')
	}
	writeWords(&b, first[coreLo:coreHi])
	for p := 1; p < len(ends); p++ {
		part := toks[ends[p-1]:ends[p]]
		b.WriteByte('-')
		k := leadingPrefix(part)
		writeWords(&b, part[:k])
		if k > 0 {
			b.WriteByte(' ')
		}
		writeWords(&b, part[k:])
	}
	canon := b.String()
	n := FamilyName{Core: canon}
	if prefixLen > 0 {
		n = FamilyName{Prefix: canon[:prefixLen], Core: canon[prefixLen+1:]}
	}
	if nonLatin {
		return n, codeFamilyScript
	}
	return n, ""
}

// isOneWord reports whether f is a single word of ASCII letters that is no
// abbreviation.
func isOneWord(f string) bool {
	for i := 0; i < len(f); i++ {
		if f[i] < 'a' || f[i] > 'z' {
			return false
		}
	}
	_, abbr := prefixAbbreviations[f]
	return !abbr
}

// writeWords writes words separated by single spaces.
func writeWords(b *strings.Builder, words []string) {
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
}

// Parts returns the cores of the parts of a double name, each without its
// own prefix, so that "Jansen-de Vries" can be compared part by part with
// "de Vries": "jansen-de vries" gives ["jansen", "vries"]. A name that is
// not double gives [Core].
func (n FamilyName) Parts() []string {
	parts := strings.Split(n.Core, "-")
	for i, p := range parts {
		words := strings.Fields(p)
		if k := leadingPrefix(words); k > 0 {
			parts[i] = strings.Join(words[k:], " ")
		}
	}
	return parts
}
