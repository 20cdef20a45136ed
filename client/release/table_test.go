package release

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// The attacker of a protected table: it knows the figures shown, that each
// row and column adds up to its total, that counts are whole numbers, and
// that a suppressed figure is at least 1 (zeros are shown). These checkers
// play that attacker without the package's graph: equationsOf writes the
// sums straight from the grid, linearlyDetermined solves them over the
// rationals, and integerDetermined enumerates every whole-number table
// that shows the same figures.

// A term of an equation: a figure of the grid with its sign.
type term struct {
	r, c, sign int
}

// equationsOf writes the sums of t's grid: in each equation the terms add
// up to zero.
func equationsOf(t *Table) [][]term {
	R := len(t.Rows)
	var eqs [][]term
	if t.Cols == nil {
		var eq []term
		for r := 0; r < R; r++ {
			eq = append(eq, term{r, 0, 1})
		}
		return append(eqs, append(eq, term{R, 0, -1}))
	}
	C := len(t.Cols)
	for r := 0; r <= R; r++ { // every row, the total row too, adds up to its total
		var eq []term
		for c := 0; c < C; c++ {
			eq = append(eq, term{r, c, 1})
		}
		eqs = append(eqs, append(eq, term{r, C, -1}))
	}
	for c := 0; c <= C; c++ {
		var eq []term
		for r := 0; r < R; r++ {
			eq = append(eq, term{r, c, 1})
		}
		eqs = append(eqs, append(eq, term{R, c, -1}))
	}
	return eqs
}

// suppressedOf lists the suppressed figures in grid order.
func suppressedOf(t *Table) [][2]int {
	var s [][2]int
	for r, row := range t.Grid {
		for c, f := range row {
			if f.Suppressed {
				s = append(s, [2]int{r, c})
			}
		}
	}
	return s
}

// linearlyDetermined lists the suppressed figures whose value follows from
// the equations alone: figure j is determined exactly when dropping its
// column from the system's matrix (over the suppressed figures) lowers the
// rank, i.e. no solution of the homogeneous system moves it.
func linearlyDetermined(t *Table) [][2]int {
	unknowns := suppressedOf(t)
	col := map[[2]int]int{}
	for j, u := range unknowns {
		col[u] = j
	}
	var matrix [][]*big.Rat
	for _, eq := range equationsOf(t) {
		row := make([]*big.Rat, len(unknowns))
		for j := range row {
			row[j] = new(big.Rat)
		}
		for _, tm := range eq {
			if j, ok := col[[2]int{tm.r, tm.c}]; ok {
				row[j].Add(row[j], big.NewRat(int64(tm.sign), 1))
			}
		}
		matrix = append(matrix, row)
	}
	full := rank(matrix, -1)
	var determined [][2]int
	for j, u := range unknowns {
		if rank(matrix, j) < full {
			determined = append(determined, u)
		}
	}
	return determined
}

// rank is the rank of m without column skip (-1: all columns), by Gaussian
// elimination on a copy.
func rank(m [][]*big.Rat, skip int) int {
	var rows [][]*big.Rat
	for _, r := range m {
		var row []*big.Rat
		for j, v := range r {
			if j != skip {
				row = append(row, new(big.Rat).Set(v))
			}
		}
		rows = append(rows, row)
	}
	rk := 0
	for c := 0; len(rows) > 0 && c < len(rows[0]); c++ {
		p := -1
		for i := rk; i < len(rows); i++ {
			if rows[i][c].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[rk], rows[p] = rows[p], rows[rk]
		for i := range rows {
			if i == rk || rows[i][c].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Quo(rows[i][c], rows[rk][c])
			for j := c; j < len(rows[i]); j++ {
				rows[i][j].Sub(rows[i][j], new(big.Rat).Mul(f, rows[rk][j]))
			}
		}
		rk++
	}
	return rk
}

// integerDetermined enumerates the whole-number tables, each suppressed
// figure from 1 to bound, that show t's figures and add up, and lists the
// suppressed figures that take one value only in all of them. ok is false
// if the search gave up (more than budget steps) before it could tell.
func integerDetermined(t *Table, bound, budget int) (determined [][2]int, ok bool) {
	unknowns := suppressedOf(t)
	index := map[[2]int]int{}
	for j, u := range unknowns {
		index[u] = j
	}
	// Each equation as its constant part and its unknowns with their signs.
	type linear struct {
		constant int
		vars     []int // index of unknown, with its sign below
		signs    []int
	}
	var eqs []linear
	for _, eq := range equationsOf(t) {
		var l linear
		for _, tm := range eq {
			if j, unknown := index[[2]int{tm.r, tm.c}]; unknown {
				l.vars, l.signs = append(l.vars, j), append(l.signs, tm.sign)
			} else {
				l.constant += tm.sign * t.Grid[tm.r][tm.c].Count
			}
		}
		if len(l.vars) > 0 {
			eqs = append(eqs, l)
		}
	}
	value := make([]int, len(unknowns))
	seen := make([]map[int]bool, len(unknowns))
	for j := range seen {
		seen[j] = map[int]bool{}
	}
	allSeenTwice := func() bool {
		for _, s := range seen {
			if len(s) < 2 {
				return false
			}
		}
		return true
	}
	// feasible: can each equation still add up to 0, with the figures
	// from assigned on still open (each 1..bound)?
	feasible := func(assigned int) bool {
		for _, eq := range eqs {
			sum, lo, hi := eq.constant, 0, 0
			for i, j := range eq.vars {
				switch {
				case j < assigned:
					sum += eq.signs[i] * value[j]
				case eq.signs[i] > 0:
					lo, hi = lo+1, hi+bound
				default:
					lo, hi = lo-bound, hi-1
				}
			}
			if sum+lo > 0 || sum+hi < 0 {
				return false
			}
		}
		return true
	}
	steps := 0
	var search func(j int) bool // false: stop
	search = func(j int) bool {
		steps++
		if steps > budget {
			return false
		}
		if j == len(unknowns) {
			for i, v := range value {
				seen[i][v] = true
			}
			return !allSeenTwice()
		}
		for v := 1; v <= bound; v++ {
			value[j] = v
			if feasible(j+1) && !search(j+1) {
				return false
			}
		}
		return true
	}
	search(0)
	if steps > budget {
		return nil, false
	}
	for j, u := range unknowns {
		if len(seen[j]) < 2 {
			determined = append(determined, u)
		}
	}
	return determined, true
}

// suppress marks figures of t suppressed, for the checkers' own tests.
func suppress(t *Table, cells ...[2]int) *Table {
	for _, c := range cells {
		t.Grid[c[0]][c[1]].Suppressed = true
	}
	return t
}

func labels(n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprint(i)
	}
	return l
}

// TestCheckersSeeTheAttacks shows that the checkers find recomputable
// figures where they are: without this, a passing property test could be a
// checker that never fails.
func TestCheckersSeeTheAttacks(t *testing.T) {
	// Primary suppression alone: a row total minus the shown figures.
	alone := suppress(NewTable(labels(2), labels(2), [][]int{{3, 20}, {30, 40}}), [2]int{0, 0})
	if got := linearlyDetermined(alone); !slices.Equal(got, [][2]int{{0, 0}}) {
		t.Errorf("a lone suppressed figure: linearly determined %v, want [0 0]", got)
	}

	// Two suppressed figures in every row and column that has one, and
	// still one recomputable (the trap of sdcTable's old simple
	// heuristic): two 2x2 blocks joined by one figure. Rows 0 and 1 minus
	// columns 0 and 1 leave figure (0,2) alone.
	counts := [][]int{{7, 8, 3, 9}, {6, 9, 12, 11}, {10, 11, 6, 7}, {12, 13, 8, 9}}
	joined := suppress(NewTable(labels(4), labels(4), counts),
		[2]int{0, 0}, [2]int{0, 1}, [2]int{1, 0}, [2]int{1, 1},
		[2]int{2, 2}, [2]int{2, 3}, [2]int{3, 2}, [2]int{3, 3},
		[2]int{0, 2})
	if got := linearlyDetermined(joined); !slices.Equal(got, [][2]int{{0, 2}}) {
		t.Errorf("two blocks joined by one figure: linearly determined %v, want [0 2]", got)
	}

	// A cycle the equations cannot solve, but whole numbers of at least 1
	// can: moving one patient around it makes a 1 a 0 either way.
	ones := suppress(NewTable(labels(2), labels(2), [][]int{{1, 1}, {9, 9}}),
		[2]int{0, 0}, [2]int{0, 1}, [2]int{1, 0}, [2]int{1, 1})
	if got := linearlyDetermined(ones); len(got) != 0 {
		t.Errorf("a cycle: linearly determined %v, want none", got)
	}
	got, ok := integerDetermined(ones, 40, 1e6)
	if !ok || !slices.Equal(got, [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}}) {
		t.Errorf("a cycle with ones: determined as whole numbers %v (search done %v), want all four", got, ok)
	}

	// The package's own check agrees on all three.
	for name, tab := range map[string]*Table{"alone": alone, "joined": joined, "ones": ones} {
		if len(tab.Determined()) == 0 {
			t.Errorf("%s: Determined finds nothing", name)
		}
	}
}

// TestProtectNoFigureRecomputable is the property test: on many generated
// tables, one and two columns, sparse and dense, with thresholds 5 and 10,
// no shown figure is below the threshold, and no suppressed figure can be
// recomputed: not from the equations (every table), and not as whole
// numbers of at least 1 (every table small enough to enumerate).
func TestProtectNoFigureRecomputable(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	n := 3000
	if testing.Short() {
		n = 600
	}
	enumerated := 0
	for i := range n {
		min := []int{5, 10}[i%2]
		tab := randomTable(rng)
		primary, complementary := tab.Protect(min)
		name := fmt.Sprintf("table %d (%dx%d, min %d)", i, len(tab.Grid), len(tab.Grid[0]), min)
		for r, row := range tab.Grid {
			for c, f := range row {
				below := f.Count > 0 && f.Count < min
				if below && !f.Suppressed {
					t.Fatalf("%s: figure %d,%d = %d is shown", name, r, c, f.Count)
				}
				if f.Suppressed && f.Count == 0 {
					t.Fatalf("%s: a zero is suppressed at %d,%d", name, r, c)
				}
			}
		}
		if got := len(suppressedOf(tab)); got != primary+complementary {
			t.Fatalf("%s: %d suppressed, Protect says %d + %d", name, got, primary, complementary)
		}
		if det := linearlyDetermined(tab); len(det) > 0 {
			t.Fatalf("%s: figures %v can be recomputed from the equations\n%v", name, det, tab.Grid)
		}
		grand := tab.Grid[len(tab.Grid)-1][len(tab.Grid[0])-1].Count
		if len(suppressedOf(tab)) <= 10 && grand <= 150 {
			det, ok := integerDetermined(tab, grand+2, 2e5)
			if ok {
				enumerated++
			}
			if len(det) > 0 {
				t.Fatalf("%s: figures %v can be recomputed as whole numbers\n%v", name, det, tab.Grid)
			}
		}
	}
	t.Logf("%d tables, %d of them enumerated as whole numbers", n, enumerated)
	if enumerated < n/4 {
		t.Errorf("only %d of %d tables enumerated: the whole-number check hardly ran", enumerated, n)
	}
}

// randomTable makes a table of 1 to 6 rows and 0 (one column) to 6
// columns, with counts drawn to give many zeros, ones and counts near the
// thresholds.
func randomTable(rng *rand.Rand) *Table {
	rows := 1 + rng.IntN(6)
	cols := rng.IntN(7)
	width := max(cols, 1)
	counts := make([][]int, rows)
	style := rng.IntN(4)
	for r := range counts {
		counts[r] = make([]int, width)
		for c := range counts[r] {
			switch style {
			case 0: // sparse: mostly zeros and small counts
				if rng.IntN(3) > 0 {
					counts[r][c] = rng.IntN(4)
				}
			case 1: // around the thresholds
				counts[r][c] = rng.IntN(14)
			case 2: // skewed: a few large counts
				counts[r][c] = int(rng.ExpFloat64() * 8)
			default: // mostly large, some small
				counts[r][c] = 10 + rng.IntN(50)
				if rng.IntN(5) == 0 {
					counts[r][c] = rng.IntN(5)
				}
			}
		}
	}
	if cols == 0 {
		return NewTable(labels(rows), nil, counts)
	}
	return NewTable(labels(rows), labels(cols), counts)
}
