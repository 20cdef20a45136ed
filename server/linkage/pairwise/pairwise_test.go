package pairwise

import "testing"

func TestTally(t *testing.T) {
	var s Tally
	// Truth {a1 a2 a3} {b1 b2}; predicted {a1 a2} {a3 b1 b2}.
	for _, r := range [][2]string{{"a", "x"}, {"a", "x"}, {"a", "y"}, {"b", "y"}, {"b", "y"}} {
		s.Add(r[0], r[1])
	}
	if s.TruePairs() != 4 || s.PredictedPairs() != 4 || s.CorrectPairs() != 2 || s.Records() != 5 {
		t.Fatalf("pairs true %d predicted %d correct %d", s.TruePairs(), s.PredictedPairs(), s.CorrectPairs())
	}
	if p, r, f1 := s.Scores(); p != 0.5 || r != 0.5 || f1 != 0.5 {
		t.Fatalf("scores %v %v %v", p, r, f1)
	}
	var empty Tally
	if p, r, f1 := empty.Scores(); p != 0 || r != 0 || f1 != 0 {
		t.Fatal("scores of nothing")
	}
}
