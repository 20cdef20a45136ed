package release

import (
	"container/heap"
	"fmt"
)

// A Figure is one number of a table: a count of records, shown or not.
type Figure struct {
	Count      int
	Suppressed bool
	Primary    bool // suppressed because the count is below the threshold
}

// A Table is a frequency table of one or two columns with its totals. Grid
// holds the figures: for two columns, one row per value of the first and
// one column per value of the second, then a total row and a total column;
// for one column, one row per value, then the total, in a single column.
// Rows and columns add up to their totals.
type Table struct {
	Rows, Cols []string // value labels; Cols is nil for a one-column table
	Grid       [][]Figure
}

// NewTable makes the table of counts, adding the totals. counts[r][c] is the
// count of row value r and column value c; a one-column table has one
// count per row and cols nil.
func NewTable(rows, cols []string, counts [][]int) *Table {
	t := &Table{Rows: rows, Cols: cols}
	width := len(cols) + 1
	if cols == nil {
		width = 1
	}
	t.Grid = make([][]Figure, len(rows)+1)
	for r := range t.Grid {
		t.Grid[r] = make([]Figure, width)
	}
	R, C := len(rows), width-1
	for r := range rows {
		for c, n := range counts[r] {
			t.Grid[r][c].Count = n
			if cols != nil {
				t.Grid[r][C].Count += n
			}
			t.Grid[R][c].Count += n
			if cols != nil {
				t.Grid[R][C].Count += n
			}
		}
	}
	return t
}

// Protect suppresses every figure from 1 to min-1, margins included
// (primary suppression), and then as few other figures as its heuristic
// finds (complementary suppression) so that no suppressed figure can be
// recomputed: a reader who knows the figures shown, that rows and columns
// add up, that counts are whole numbers and that suppressed figures are
// at least 1 (zeros are shown) can still give each suppressed figure
// another value. It returns the number of figures suppressed in each way.
//
// The figures are the edges of a graph whose nodes are the table's sums
// (rows and columns, totals included); each figure lies in two sums. A
// suppressed figure can change only along a cycle of suppressed figures,
// with +1 and -1 alternating so that every sum stays the same, and no
// figure on it falling to 0. For each suppressed figure without such a
// cycle, Protect adds the cheapest path of shown figures (by their counts,
// so that large totals are suppressed last) that closes one.
func (t *Table) Protect(min int) (primary, complementary int) {
	g := t.graph()
	for i, e := range g.edges {
		if f := t.figure(e); f.Count > 0 && f.Count < min {
			f.Suppressed, f.Primary = true, true
			primary++
			g.suppressed[i] = true
		}
	}
	for i := range g.edges {
		if !g.suppressed[i] || g.undetermined(i) {
			continue
		}
		for _, j := range g.closeCycle(i) {
			t.figure(g.edges[j]).Suppressed = true
			g.suppressed[j] = true
			complementary++
		}
	}
	return primary, complementary
}

// Determined lists the suppressed figures a reader can recompute (as
// {row, column} of Grid): none after Protect.
func (t *Table) Determined() [][2]int {
	g := t.graph()
	for i, e := range g.edges {
		g.suppressed[i] = t.figure(e).Suppressed
	}
	var out [][2]int
	for i, e := range g.edges {
		if g.suppressed[i] && !g.undetermined(i) {
			out = append(out, [2]int{e.row, e.col})
		}
	}
	return out
}

func (t *Table) figure(e edge) *Figure { return &t.Grid[e.row][e.col] }

// An edge is one figure in the graph of sums: it joins the two sums it is
// part of, a and b. A sum holds its figures with the sign that makes it
// zero (the cells plus, their total minus: cells - total = 0), so moving
// one along a cycle means: the figure at a plus-position of its edge (the
// arc a→b) goes up. margin says the figure is a total that enters its
// sums with the minus sign: up along a→b means its count goes down.
type edge struct {
	row, col int // in Grid
	a, b     int // nodes
	margin   bool
	count    int
}

type graph struct {
	nodes      int
	edges      []edge
	suppressed []bool
	at         [][]int // node → edges at it
}

// graph builds the graph of t's sums. Two columns: rows 0..R-1, the total
// row R, columns R+1..R+C, the total column R+C+1. One column: node 0 is
// the one sum (values - total = 0), node 1 its other end, which is no sum:
// each figure lies in one sum only, and with every edge between the same
// two nodes, a cycle is any two suppressed figures, as it should be.
func (t *Table) graph() *graph {
	R := len(t.Rows)
	g := &graph{}
	add := func(row, col, a, b int, margin bool) {
		g.edges = append(g.edges, edge{row: row, col: col, a: a, b: b, margin: margin, count: t.Grid[row][col].Count})
	}
	if t.Cols == nil {
		g.nodes = 2
		for r := 0; r <= R; r++ {
			add(r, 0, 0, 1, r == R)
		}
	} else {
		C := len(t.Cols)
		g.nodes = R + C + 2
		for r := 0; r <= R; r++ {
			for c := 0; c <= C; c++ {
				// A row or column total is a margin; the grand total is a
				// cell of the totals' own sums and enters them plus.
				add(r, c, r, R+1+c, (r == R) != (c == C))
			}
		}
	}
	g.suppressed = make([]bool, len(g.edges))
	g.at = make([][]int, g.nodes)
	for i, e := range g.edges {
		g.at[e.a] = append(g.at[e.a], i)
		g.at[e.b] = append(g.at[e.b], i)
	}
	return g
}

// arcs says in which directions figure i can move by one if suppressed:
// up along a→b, and down (b→a). A count can always go up; it can go down
// only from 2, for a suppressed figure is known to be at least 1.
func (g *graph) arcs(i int) (forward, backward bool) {
	e := g.edges[i]
	canFall := e.count >= 2
	if e.margin {
		return canFall, true
	}
	return true, canFall
}

// undetermined says whether suppressed figure i lies on a cycle of
// suppressed figures along which it can move: a path back from one end of
// one of its arcs to the other, over suppressed figures other than i.
func (g *graph) undetermined(i int) bool {
	e := g.edges[i]
	fwd, bwd := g.arcs(i)
	return fwd && g.reaches(e.b, e.a, i) || bwd && g.reaches(e.a, e.b, i)
}

// reaches says whether a path of movable suppressed figures other than
// skip leads from node from to node to.
func (g *graph) reaches(from, to, skip int) bool {
	seen := make([]bool, g.nodes)
	stack := []int{from}
	seen[from] = true
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == to {
			return true
		}
		for _, j := range g.at[n] {
			if j == skip || !g.suppressed[j] {
				continue
			}
			if next, ok := g.step(j, n); ok && !seen[next] {
				seen[next] = true
				stack = append(stack, next)
			}
		}
	}
	return false
}

// step is the node an arc of figure j leads to from node n, if the figure
// can move that way.
func (g *graph) step(j, n int) (int, bool) {
	e := g.edges[j]
	fwd, bwd := g.arcs(j)
	switch {
	case n == e.a && fwd:
		return e.b, true
	case n == e.b && bwd:
		return e.a, true
	}
	return 0, false
}

// closeCycle returns the shown figures to suppress so that suppressed
// figure i can move: the cheapest path, over suppressed figures (free) and
// shown non-zero ones (at their count), that closes a cycle with one of
// i's arcs. A zero is never suppressed: zeros are always shown, which is
// what lets the reader know suppressed figures are at least 1.
func (g *graph) closeCycle(i int) []int {
	e := g.edges[i]
	fwd, bwd := g.arcs(i)
	var best []int
	bestCost := -1
	try := func(from, to int) {
		path, cost, ok := g.cheapestPath(from, to, i)
		if ok && (bestCost < 0 || cost < bestCost) {
			best, bestCost = path, cost
		}
	}
	if fwd {
		try(e.b, e.a)
	}
	if bwd {
		try(e.a, e.b)
	}
	if bestCost < 0 {
		// Cannot happen: the figure's row total, column total and the
		// grand total always close a cycle it can move up on.
		panic(fmt.Sprintf("release: no cycle closes figure %d,%d", e.row, e.col))
	}
	return best
}

// cheapestPath is Dijkstra's shortest path from node from to node to,
// without figure skip; it returns the shown figures on it.
func (g *graph) cheapestPath(from, to, skip int) ([]int, int, bool) {
	const unseen = -1
	dist := make([]int, g.nodes)
	via := make([]int, g.nodes) // the edge the best path arrives by
	for n := range dist {
		dist[n], via[n] = unseen, unseen
	}
	dist[from] = 0
	q := &nodeQueue{{node: from}}
	for q.Len() > 0 {
		it := heap.Pop(q).(queued)
		if it.dist > dist[it.node] {
			continue
		}
		if it.node == to {
			break
		}
		for _, j := range g.at[it.node] {
			if j == skip || !g.suppressed[j] && g.edges[j].count == 0 {
				continue
			}
			next, ok := g.step(j, it.node)
			if !ok {
				continue
			}
			d := it.dist
			if !g.suppressed[j] {
				d += g.edges[j].count
			}
			if dist[next] == unseen || d < dist[next] {
				dist[next], via[next] = d, j
				heap.Push(q, queued{node: next, dist: d})
			}
		}
	}
	if dist[to] == unseen {
		return nil, 0, false
	}
	var shown []int
	for n := to; n != from; {
		j := via[n]
		if !g.suppressed[j] {
			shown = append(shown, j)
		}
		if e := g.edges[j]; e.a == n {
			n = e.b
		} else {
			n = e.a
		}
	}
	return shown, dist[to], true
}

type queued struct{ node, dist int }

// nodeQueue is a min-heap of nodes by distance.
type nodeQueue []queued

func (q nodeQueue) Len() int           { return len(q) }
func (q nodeQueue) Less(i, j int) bool { return q[i].dist < q[j].dist }
func (q nodeQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *nodeQueue) Push(x any)        { *q = append(*q, x.(queued)) }
func (q *nodeQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
