package identity

import "strings"

// Canonical values of the sex field.
const (
	SexMale    = "M"
	SexFemale  = "F"
	SexOther   = "X" // other or indeterminate
	SexUnknown = "U"
)

// sexWords maps every accepted spelling (compared case-insensitively) to
// its canonical value. ISO 5218: 0 not known, 1 male, 2 female, 9 not
// applicable (mapped to X: the registry's "other or indeterminate").
var sexWords = []struct{ word, canon string }{
	{"m", SexMale}, {"man", SexMale}, {"male", SexMale}, {"1", SexMale},
	{"v", SexFemale}, {"f", SexFemale}, {"vrouw", SexFemale}, {"female", SexFemale}, {"2", SexFemale},
	{"x", SexOther}, {"o", SexOther}, {"9", SexOther}, {"anders", SexOther}, {"other", SexOther},
	{"u", SexUnknown}, {"0", SexUnknown}, {"onbekend", SexUnknown}, {"unknown", SexUnknown},
}

// ParseSex returns "M", "F", "X" or "U". Accepted, in any letter case:
// M, man, male, 1; V, F, vrouw, female, 2; X, O, 9, anders, other;
// U, 0, onbekend, unknown. Unknown (U) is accepted with W-601, anything
// else is F-601.
func ParseSex(s string) (string, *Problem) {
	c, code := canonicalSex(s)
	return c, problemPtr(FieldSex, code)
}

func canonicalSex(s string) (string, Code) {
	s = trimASCIISpace(s)
	for _, w := range sexWords {
		if len(s) == len(w.word) && strings.EqualFold(s, w.word) {
			if w.canon == SexUnknown {
				return w.canon, codeSexU
			}
			return w.canon, ""
		}
	}
	return "", codeSexUnknown
}
