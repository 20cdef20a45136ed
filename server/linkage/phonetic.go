package linkage

import "strings"

// phonetic is a coarse Dutch sound code for blocking: names that sound alike
// ("Janssen", "Jansen", "Janzen"; "Meijer", "Meyer", "Mijer") share a code,
// so a typo or spelling variant still finds its candidates. It works on the
// folded ASCII of identity's canonical names.
func phonetic(name string) string {
	s := soundAlike.Replace(name)
	var b strings.Builder
	var last byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && strings.IndexByte("aeiouy", c) >= 0 {
			continue // vowels after the first letter carry most spelling noise
		}
		if c == last {
			continue
		}
		b.WriteByte(c)
		last = c
		if b.Len() == 6 {
			break
		}
	}
	return b.String()
}

// soundAlike spells alike what sounds alike. A Replacer builds a trie on first
// use and is safe for concurrent use, so one serves every call.
var soundAlike = strings.NewReplacer(
	"eij", "y", "ij", "y", "ei", "y", "ey", "y", "ie", "i",
	"sch", "s", "ch", "g", "ck", "k", "ph", "f", "th", "t",
	"dt", "t", "oe", "u", "ou", "au", "c", "k", "z", "s", "v", "f", "w", "f",
	"q", "k", "x", "ks", " ", "", "-", "", "'", "",
)
