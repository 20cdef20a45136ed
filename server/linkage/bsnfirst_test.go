package linkage

import (
	"math"
	"slices"
	"testing"

	"github.com/ttpnl/ttp/synth"
)

// TestBoundWithoutBSNAgreement checks the bound of bsnfirst.go against
// every pattern without a BSN agreement that a record of each set of fields
// can have, under the default model, one whose replaced-BSN patterns are
// active, and one whose thresholds put the review floor of the guards above
// the sum: a guard that raised a score past the bound, or a level the
// bound left out, fails it.
func TestBoundWithoutBSNAgreement(t *testing.T) {
	withOtherBSN := DefaultModel()
	withOtherBSN.otherBSN = map[Pattern]bool{}
	forEachPattern(func(p Pattern) {
		if p[cmpBSN] != bsnAgree {
			withOtherBSN.otherBSN[withoutBSN(p)] = true
		}
	})
	heavyLower := DefaultModel()
	heavyLower.Lower, heavyLower.Upper = 60, 70
	if err := heavyLower.Prepare(); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*Model{"default": DefaultModel(), "other BSNs to review": withOtherBSN, "high thresholds": heavyLower} {
		forEachPattern(func(p Pattern) {
			if p[cmpBSN] == bsnAgree {
				return
			}
			for f := range presence(numPresence) {
				if s, bound := m.Score(p), m.withoutBSN[f]; patternFits(p, f) && s > bound {
					t.Fatalf("%s: pattern %v against a record with fields %04b scores %.2f, above the bound %.2f", name, p.Levels(), f, s, bound)
				}
			}
		})
	}
	// Not vacuous: a record agreeing in everything, BSN included, settles.
	m := DefaultModel()
	all := Pattern{bsnAgree, familyExact, firstExact, birthExact, sexAgree, postcodeExact, houseAgree}
	if s, bound := m.Score(all), m.withoutBSN[numPresence-1]; s <= bound {
		t.Errorf("a record agreeing in everything scores %.2f, not above the bound %.2f", s, bound)
	}
}

// patternFits reports whether a record with fields f can have pattern p
// against some other record: Compare gives level 0 for a field f lacks, and
// for the house number without a postcode. (Written apart from
// possibleLevels, which it checks.)
func patternFits(p Pattern, f presence) bool {
	lacks := func(c int, need presence) bool { return p[c] != 0 && f&need != need }
	return !lacks(cmpBirth, hasBirth) && !lacks(cmpSex, hasSex) &&
		!lacks(cmpPostcode, hasPostcode) && !lacks(cmpHouse, hasPostcode|hasHouse)
}

func forEachPattern(fn func(Pattern)) {
	var p Pattern
	var walk func(c int)
	walk = func(c int) {
		if c == numComparisons {
			fn(p)
			return
		}
		for l := range Levels(c) {
			p[c] = uint8(l)
			walk(c + 1)
		}
	}
	walk(0)
}

// TestPresenceMeansLevelZero checks the premise of the bound: against a
// record that lacks a birth date, sex, postcode or house number, Compare
// gives that field level 0 (the house number too without a postcode),
// whatever the other record has.
func TestPresenceMeansLevelZero(t *testing.T) {
	k := newKit(t)
	batch, _ := k.encode(population(300, synth.DefaultProfile()))
	lacking := func(f Features, drop presence) Features {
		if drop&hasBirth != 0 {
			f.Year = 0
		}
		if drop&hasSex != 0 {
			f.Sex = 0
		}
		if drop&hasPostcode != 0 {
			f.Postcode, f.Area, f.PostcodeSorted = 0, 0, 0
		}
		if drop&hasHouse != 0 {
			f.House = 0
		}
		return f
	}
	pairs := 0
	for i := range batch {
		for drop := range presence(numPresence) {
			a := lacking(batch[i].Features, drop)
			for j := range batch {
				p := Compare(&a, &batch[j].Features)
				p[cmpBSN] = 0
				if !patternFits(p, presenceOf(&a)) {
					t.Fatalf("a record with fields %04b compared with another: %v", presenceOf(&a), p.Levels())
				}
				pairs++
			}
		}
	}
	if pairs == 0 {
		t.Fatal("no pairs compared")
	}
}

// TestBSNFirstKeepsEveryDecision registers one population into two indexes,
// one that looks up the other blocks only where the BSN block does not
// settle a record and one that looks up every block, and wants every result
// the same, while the first looked up fewer blocks. A third index whose
// bound is too low (every BSN block settles) must decide differently, or
// the comparison would show nothing.
func TestBSNFirstKeepsEveryDecision(t *testing.T) {
	k := newKit(t)
	batch, _ := k.encode(population(4_000, synth.DefaultProfile()))
	register := func(bound float64) ([]Result, WorkCounts) {
		m := DefaultModel()
		if bound != 0 {
			for f := range m.withoutBSN {
				m.withoutBSN[f] = bound
			}
		}
		db := openStore(t, t.TempDir())
		defer db.Close()
		ix := Open(db, m)
		var out []Result
		for lo := 0; lo < len(batch); lo += 1000 {
			out = append(out, registerAll(t, ix, batch[lo:min(lo+1000, len(batch))])...)
		}
		return out, ix.WorkCounts()
	}
	first, firstWork := register(0)
	all, allWork := register(math.Inf(1))
	tooLow, _ := register(math.Inf(-1))
	if len(first) != len(batch) || len(all) != len(batch) {
		t.Fatalf("%d and %d results for %d records", len(first), len(all), len(batch))
	}
	for i := range first {
		if first[i] != all[i] {
			t.Fatalf("record %d: %+v with the BSN block first, %+v with every block", i, first[i], all[i])
		}
	}
	if firstWork.SettledByBSN == 0 || allWork.SettledByBSN != 0 {
		t.Errorf("records settled by their BSN block: %d with the BSN block first, %d with every block; want some and none", firstWork.SettledByBSN, allWork.SettledByBSN)
	}
	if firstWork.Blocks >= allWork.Blocks*9/10 {
		t.Errorf("%d blocks looked up with the BSN block first, %d with every block: want a tenth fewer at least", firstWork.Blocks, allWork.Blocks)
	}
	if slices.Equal(tooLow, all) {
		t.Error("settling every record on its BSN block changed no decision: the comparison shows nothing")
	}
	t.Logf("%d records, %d settled by their BSN block: blocks looked up %d (every block: %d), members %d (%d), records read %d (%d)",
		len(batch), firstWork.SettledByBSN, firstWork.Blocks, allWork.Blocks, firstWork.Members, allWork.Members, firstWork.Reads, allWork.Reads)
}
