package linkage

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// replacerPhonetic is phonetic as it was written with a strings.Replacer:
// the reference the hand-written one must equal.
func replacerPhonetic(name string) string {
	s := strings.NewReplacer(
		"eij", "y", "ij", "y", "ei", "y", "ey", "y", "ie", "i",
		"sch", "s", "ch", "g", "ck", "k", "ph", "f", "th", "t",
		"dt", "t", "oe", "u", "ou", "au", "c", "k", "z", "s", "v", "f", "w", "f",
		"q", "k", "x", "ks", " ", "", "-", "", "'", "",
	).Replace(name)
	var b strings.Builder
	var last byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i > 0 && strings.IndexByte("aeiouy", c) >= 0 {
			continue
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

// TestPhoneticAsTheReplacer: on names and on random strings of the letters
// the rules turn on, phonetic is what the Replacer version gave.
func TestPhoneticAsTheReplacer(t *testing.T) {
	names := []string{"", "jansen", "janssen", "janzen", "meijer", "meyer", "mijer", "schmidt", "smit",
		"de vries", "van 't hoff", "eijkelboom", "o'brien", "ck", "eij", "eeij", "ouwehand", "thijssen", "a", "y"}
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "eijyschkptdouzvwqx -'ab"
	for range 200_000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		names = append(names, string(b))
	}
	for _, n := range names {
		if got, want := phonetic(n), replacerPhonetic(n); got != want {
			t.Fatalf("phonetic(%q) = %q; the Replacer version gave %q", n, got, want)
		}
	}
}

func FuzzPhonetic(f *testing.F) {
	for _, s := range []string{"meijer", "schouten", "x-ck'q", "ééij"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := phonetic(s), replacerPhonetic(s); got != want {
			t.Fatalf("phonetic(%q) = %q; the Replacer version gave %q", s, got, want)
		}
	})
}
