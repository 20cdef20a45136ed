package synth

// Generator is the first, simple generator: independent persons with no
// ground truth, institutions or corruption, kept for the benchmarks and
// tests that use it. Its output for a seed does not change.

import (
	"fmt"
	"math/rand/v2"
)

var (
	prefixes = []string{"", "", "", "", "van", "de", "van der", "van den", "van de", "ter", "den", "'t"}
	cores    = []string{"Jansen", "Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters",
		"Hendriks", "Dekker", "Brouwer", "Wit", "Dijkstra", "Smits", "Graaf", "Berg", "Kok", "Jacobs",
		"Vermeulen", "Linden", "Haan", "Heuvel", "Veen", "Wijk", "Leeuwen", "Boer", "Müller", "Öztürk",
		"Yılmaz", "Hoekstra", "Koster", "Prins", "Huisman", "Maas", "Postma", "Kuipers", "Willems", "Beek"}
	givens = []string{"Jan", "Maria", "Pieter", "Anna", "Kees", "Johanna", "Hendrik", "Sophie", "Willem", "Emma",
		"Cornelis", "Julia", "Gerrit", "Sanne", "Mohamed", "Fatima", "Daan", "Lotte", "José", "Anouk"}
	letters = "ABCEGHJKLMNPRTVWXZ"
)

// Person is one synthetic person.
type Person struct {
	BSN        string
	FamilyName string
	GivenNames string
	BirthDate  string // ISO
	Sex        string
	Postcode   string
	HouseNo    string
}

// Generator makes persons from a seed.
type Generator struct{ r *rand.Rand }

// New returns a generator; the same seed gives the same persons.
func New(seed uint64) *Generator { return &Generator{r: rand.New(rand.NewPCG(seed, 0x7770))} }

// Person makes the next person.
func (g *Generator) Person() Person {
	r := g.r
	name := cores[r.IntN(len(cores))]
	if p := prefixes[r.IntN(len(prefixes))]; p != "" {
		name = p + " " + name
	}
	given := givens[r.IntN(len(givens))]
	if r.IntN(3) == 0 {
		given += " " + givens[r.IntN(len(givens))]
	}
	sex := "M"
	if r.IntN(2) == 0 {
		sex = "V"
	}
	return Person{
		BSN:        g.BSN(),
		FamilyName: name,
		GivenNames: given,
		BirthDate:  fmt.Sprintf("%04d-%02d-%02d", 1925+r.IntN(100), 1+r.IntN(12), 1+r.IntN(28)),
		Sex:        sex,
		Postcode:   fmt.Sprintf("%04d%c%c", 1000+r.IntN(9000), letters[r.IntN(len(letters))], letters[r.IntN(len(letters))]),
		HouseNo:    fmt.Sprint(1 + r.IntN(250)),
	}
}

// BSN makes a random number that passes the 11-proef.
func (g *Generator) BSN() string {
	for {
		n := 100_000_000 + g.r.IntN(900_000_000)
		s := fmt.Sprintf("%09d", n)
		sum := 0
		for i := 0; i < 8; i++ {
			sum += (9 - i) * int(s[i]-'0')
		}
		// Choose the last digit so that the weighted sum minus it is 0 mod 11.
		last := sum % 11
		if last < 10 {
			return s[:8] + string(rune('0'+last))
		}
	}
}
