// Package pairwise measures a clustering of records into persons against the
// truth, pairwise, as record linkage is judged (precision, recall and F1 over
// record pairs).
package pairwise

// Tally measures a clustering of records into persons against the
// truth, pairwise: a pair of records is predicted when both got the same
// person, true when both are the same true person. Precision is the share
// of predicted pairs that are true, recall the share of true pairs that are
// predicted. Two clusterings of the same records are the same partition
// exactly when precision and recall are both 1.
type Tally struct {
	cells     map[[2]string]int // (truth, predicted) → records
	truth     map[string]int
	predicted map[string]int
}

// Add counts one record: its true person and the person it was given.
func (s *Tally) Add(truth, predicted string) {
	if s.cells == nil {
		s.cells, s.truth, s.predicted = map[[2]string]int{}, map[string]int{}, map[string]int{}
	}
	s.cells[[2]string{truth, predicted}]++
	s.truth[truth]++
	s.predicted[predicted]++
}

// Records is the number of records added.
func (s *Tally) Records() int { return sumOf(s.truth, func(n int) int { return n }) }

// TruePersons and PredictedPersons count distinct persons on either side.
func (s *Tally) TruePersons() int      { return len(s.truth) }
func (s *Tally) PredictedPersons() int { return len(s.predicted) }

// TruePairs, PredictedPairs and CorrectPairs count record pairs.
func (s *Tally) TruePairs() int      { return sumOf(s.truth, pairs) }
func (s *Tally) PredictedPairs() int { return sumOf(s.predicted, pairs) }
func (s *Tally) CorrectPairs() int   { return sumOf(s.cells, pairs) }

// Scores are pairwise precision, recall and F1 (0 where undefined).
func (s *Tally) Scores() (precision, recall, f1 float64) {
	tp, pp, tt := float64(s.CorrectPairs()), float64(s.PredictedPairs()), float64(s.TruePairs())
	if pp > 0 {
		precision = tp / pp
	}
	if tt > 0 {
		recall = tp / tt
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return
}

func pairs(n int) int { return n * (n - 1) / 2 }

func sumOf[K comparable](m map[K]int, f func(int) int) (s int) {
	for _, n := range m {
		s += f(n)
	}
	return s
}
