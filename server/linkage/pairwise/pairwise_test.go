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

// TestClerk: a review item whose candidate holds a record of the record's
// true person is merged, also through an earlier merge; a false one is
// kept apart.
func TestClerk(t *testing.T) {
	var c Clerk
	// Truth {a1 a2 a3} {b1}: a2 a review item with a1's person x (true), a3
	// one with a2's person y (true, y merged into x), b1 one with x (false).
	for _, r := range [][3]string{{"a", "x", ""}, {"a", "y", "x"}, {"a", "z", "y"}, {"b", "w", "x"}} {
		c.Add(r[0], r[1], r[2])
	}
	if c.ReviewTrue() != 2 {
		t.Fatalf("true review items %d; want 2", c.ReviewTrue())
	}
	if p, r, _ := c.Tally().Scores(); p != 1 || r != 1 {
		t.Fatalf("after the clerk: precision %v recall %v; want 1, 1", p, r)
	}
}
