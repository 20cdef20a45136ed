package identity

import (
	"strings"
	"unicode/utf8"
)

// GivenNames is a parsed set of given names, folded like family names.
type GivenNames struct {
	Names    []string // e.g. ["jan", "pieter"]; empty when only initials were given
	First    string   // Names[0], or "" when only initials were given
	Initials string   // first letter of each name, e.g. "jp"
}

// String returns the canonical form used for pseudonyms: the names joined
// by one space, or the initials when only initials were given.
func (g GivenNames) String() string {
	if len(g.Names) == 0 {
		return g.Initials
	}
	return strings.Join(g.Names, " ")
}

// ParseGivenNames normalises given names. Characters are folded as in
// family names; names are separated by spaces, hyphens and dots, so
// "Jan-Pieter" and "Jan Pieter" are the same two names; apostrophes are
// dropped.
//
// Input that looks like initials gives W-211, empty Names and Initials set
// (all its letters, lower case). It looks like initials when either
//   - every run of letters is a single letter ("J.P.", "J. P.", "j p", "J"),
//   - or every run of letters is at most 3 long and followed by a dot
//     ("Th.J.", "Chr."),
//   - or it is 2 or 3 capital ASCII letters without a vowel ("JP", "JPM";
//     "JAN", "BO" are names).
//
// Digits give F-212, other punctuation F-213, no letters F-211; letters of
// other scripts are kept and reported with W-212.
func ParseGivenNames(s string) (GivenNames, *Problem) {
	f, code := foldGivenNames(s)
	if code.Fatal() {
		return GivenNames{}, problemPtr(FieldGivenNames, code)
	}
	var g GivenNames
	if code == codeGivenInitial {
		g.Initials = f
		return g, problemPtr(FieldGivenNames, code)
	}
	var ini strings.Builder
	for rest := f; rest != ""; {
		var w string
		if w, rest = nextNameWord(rest); w != "" {
			g.Names = append(g.Names, w)
			r, _ := utf8.DecodeRuneInString(w)
			ini.WriteRune(r)
		}
	}
	g.First = g.Names[0]
	g.Initials = ini.String()
	return g, problemPtr(FieldGivenNames, code)
}

// canonicalGivenNames is ParseGivenNames(s).String() without building the
// slice of names.
func canonicalGivenNames(s string) (string, Code) {
	f, code := foldGivenNames(s)
	if code.Fatal() || code == codeGivenInitial {
		return f, code
	}
	var b strings.Builder
	b.Grow(len(f))
	for rest := f; rest != ""; {
		var w string
		if w, rest = nextNameWord(rest); w != "" {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
	}
	return b.String(), code
}

// foldGivenNames folds s and classifies it. With W-211 it returns the
// initials; otherwise the folded text, still to be split into names.
func foldGivenNames(s string) (string, Code) {
	if looksLikeCapitalInitials(trimASCIISpace(s)) {
		return foldASCII(trimASCIISpace(s)), codeGivenInitial
	}
	f, nonLatin := foldName(s)
	letter, digit, bad := nameChars(f, "-'.")
	switch {
	case digit:
		return "", codeGivenDigits
	case bad:
		return "", codeGivenChars
	case !letter:
		return "", codeGivenEmpty
	}
	// Apostrophes are dropped from names anyway; drop them first so that
	// "J'" is judged as the "J" it will become.
	if strings.IndexByte(f, '\'') >= 0 {
		f = strings.ReplaceAll(f, "'", "")
	}
	if ini, ok := initialsOnly(f); ok {
		return ini, codeGivenInitial
	}
	if nonLatin {
		return f, codeGivenScript
	}
	return f, ""
}

// looksLikeCapitalInitials: 2 or 3 capital ASCII letters without a vowel.
func looksLikeCapitalInitials(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 'A' || c > 'Z' || strings.IndexByte("AEIOUY", c) >= 0 {
			return false
		}
	}
	return true
}

// initialsOnly applies the letter-run rules of ParseGivenNames to folded
// text and returns its letters when they hold.
func initialsOnly(f string) (string, bool) {
	single, dotted := true, true
	run := 0 // length of the current run of letters, in runes
	for _, r := range f {
		if r == '.' || r == ' ' || r == '-' {
			if run > 0 && (r != '.' || run > 3) {
				dotted = false
			}
			run = 0
			continue
		}
		run++
		if run > 1 {
			single = false
		}
	}
	if run > 0 {
		dotted = false // the last run has no dot after it
	}
	if !single && !dotted {
		return "", false
	}
	var b strings.Builder
	for _, r := range f {
		if r != '.' && r != ' ' && r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// nextNameWord returns the next given name in folded text: words are
// separated by spaces, hyphens and dots; apostrophes are dropped.
func nextNameWord(s string) (word, rest string) {
	end := strings.IndexAny(s, " -.")
	if end < 0 {
		word, rest = s, ""
	} else {
		word, rest = s[:end], s[end+1:]
	}
	if strings.IndexByte(word, '\'') >= 0 {
		word = strings.ReplaceAll(word, "'", "")
	}
	return word, rest
}

// ParseInitials normalises initials to their lower-case letters without
// separators: "J.P.", "j p", "JP" and "J.-P." all give "jp". Multi-letter
// initials keep all their letters ("Th." gives "th"). Characters other than
// letters, dots, spaces and hyphens give F-222, no letters F-221.
func ParseInitials(s string) (string, *Problem) {
	c, code := canonicalInitials(s)
	return c, problemPtr(FieldInitials, code)
}

func canonicalInitials(s string) (string, Code) {
	f, _ := foldName(s)
	letter, digit, bad := nameChars(f, ".-")
	switch {
	case digit || bad:
		return "", codeInitChars
	case !letter:
		return "", codeInitEmpty
	}
	if strings.IndexAny(f, " .-") < 0 {
		return f, ""
	}
	var b strings.Builder
	b.Grow(len(f))
	for i := 0; i < len(f); i++ {
		if c := f[i]; c != ' ' && c != '.' && c != '-' {
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}
