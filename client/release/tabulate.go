package release

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
)

// TableOptions are the options of an aggregate table.
type TableOptions struct {
	Input   string // the input's name, for the report
	Comma   rune   // 0: detect
	Columns []string
	Min     int // the least count a shown figure may rest on (0 shows)
	Rules   []Rule
}

// TableResult counts what Tabulate did.
type TableResult struct {
	Records       int // data rows read
	Counted       int // rows counted in the table
	LeftOut       int // unreadable rows (F-902, F-903)
	Warnings      int // values suppressed while generalising (W-801..W-804)
	Figures       int // figures in the table, totals included
	Primary       int // figures suppressed for being below Min
	Complementary int // figures suppressed so that no suppressed one can be recomputed
}

// Tabulate counts the records of a file by one or two of its columns
// (after the rules' generalisation), protects the table (Table.Protect)
// and writes it to out, with the report to report. A value suppressed
// while generalising is counted as its own category, "*".
func Tabulate(in io.Reader, out, report io.Writer, opts TableOptions) (TableResult, error) {
	rw := newReportWriter(report, "ttp release report")
	pairs := [][2]string{
		{"input", opts.Input}, {"mode", "table"}, {"columns", strings.Join(opts.Columns, ";")},
		{"min", itoa(opts.Min)},
	}
	res, t, problems, comma, err := countTable(in, opts)
	if err != nil {
		rw.heading(append(pairs, [2]string{"file_error", err.Error()}))
		return res, errors.Join(err, rw.flush())
	}
	res.Primary, res.Complementary = t.Protect(opts.Min)
	if d := t.Determined(); len(d) > 0 {
		// Protect leaves none; a table that could be recomputed is never
		// written, whatever went wrong.
		return res, fmt.Errorf("release: the protected table still reveals %d figures", len(d))
	}
	res.Figures = len(t.Grid) * len(t.Grid[0])
	rw.heading(append(pairs,
		[2]string{"records", itoa(res.Records)}, [2]string{"counted", itoa(res.Counted)},
		[2]string{"left_out", itoa(res.LeftOut)}, [2]string{"warnings", itoa(res.Warnings)},
		[2]string{"figures", itoa(res.Figures)}, [2]string{"suppressed_primary", itoa(res.Primary)},
		[2]string{"suppressed_complementary", itoa(res.Complementary)},
	))
	for _, p := range problems {
		rw.problem(p)
	}
	if err := writeTable(out, comma, opts.Columns, t); err != nil {
		return res, err
	}
	return res, rw.flush()
}

// countTable reads the file and counts the records by the table's columns.
func countTable(in io.Reader, opts TableOptions) (TableResult, *Table, []Problem, rune, error) {
	var res TableResult
	if len(opts.Columns) < 1 || len(opts.Columns) > 2 {
		return res, nil, nil, 0, fmt.Errorf("a table has one or two columns, not %d", len(opts.Columns))
	}
	if opts.Min < 2 {
		return res, nil, nil, 0, fmt.Errorf("the least count shown is %d: it must be at least 2", opts.Min)
	}
	r, err := csvfile.NewReader(in, csvfile.Options{Comma: opts.Comma})
	if err != nil {
		return res, nil, nil, 0, err
	}
	cs, err := resolveColumns(r.Header(), opts.Rules)
	if err != nil {
		return res, nil, nil, 0, err
	}
	cols, err := columnIndexes(r.Header(), opts.Columns)
	if err != nil {
		return res, nil, nil, 0, err
	}
	if len(cols) == 2 && cols[0] == cols[1] {
		return res, nil, nil, 0, fmt.Errorf("-table names column %q twice", opts.Columns[0])
	}
	raw := newClasses(opts.Columns)
	var problems []Problem
	err = eachRow(r, func(row csvfile.Row) error {
		res.Records++
		if row.Problem != nil {
			res.LeftOut++
			problems = append(problems, Problem{Row: row.Number, Line: row.Line, Code: identity.Code(row.Problem.Code)})
			return nil
		}
		cs.generalise(row.Fields, func(c int, code identity.Code) {
			res.Warnings++
			problems = append(problems, Problem{Row: row.Number, Line: row.Line, Column: r.Header()[c], Code: code})
		})
		cs.count(row.Fields)
		raw.add(pick(row.Fields, cols), 1)
		res.Counted++
		return nil
	})
	if err != nil {
		return res, nil, nil, 0, err
	}
	cs.settleRare(opts.Min)
	counts := map[[2]string]int{}
	rowSet, colSet := map[string]bool{}, map[string]bool{}
	for key, n := range raw.count {
		vs := classValues(key)
		var k [2]string
		for i, c := range cols {
			k[i] = cs.toOther(c, vs[i])
		}
		counts[k] += n
		rowSet[k[0]], colSet[k[1]] = true, true
	}
	rows := sortedValues(rowSet)
	var colLabels []string
	if len(cols) == 2 {
		colLabels = sortedValues(colSet)
	}
	grid := make([][]int, len(rows))
	for i, rv := range rows {
		grid[i] = make([]int, max(len(colLabels), 1))
		if colLabels == nil {
			grid[i][0] = counts[[2]string{rv, ""}]
			continue
		}
		for j, cv := range colLabels {
			grid[i][j] = counts[[2]string{rv, cv}]
		}
	}
	return res, NewTable(rows, colLabels, grid), problems, r.Comma(), nil
}

// sortedValues sorts a column's values: numbers by value first, then the
// rest as text, with Other and Suppressed last.
func sortedValues(set map[string]bool) []string {
	vs := make([]string, 0, len(set))
	for v := range set {
		vs = append(vs, v)
	}
	rank := func(v string) int {
		switch v {
		case Other:
			return 2
		case Suppressed:
			return 3
		}
		if _, err := strconv.Atoi(v); err == nil {
			return 0
		}
		return 1
	}
	slices.SortFunc(vs, func(a, b string) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if rank(a) == 0 {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return cmp.Compare(x, y)
		}
		return strings.Compare(a, b)
	})
	return vs
}

// TotalLabel labels the totals in a written table.
const TotalLabel = "total"

// writeTable writes a protected table as CSV: a suppressed figure as "*".
// Two columns give a matrix, its corner naming both columns; one column
// gives its values and their counts.
func writeTable(out io.Writer, comma rune, columns []string, t *Table) error {
	w := csvfile.NewWriter(out, comma)
	header := []string{columns[0], "count"}
	if t.Cols != nil {
		header = append([]string{columns[0] + " \\ " + columns[1]}, t.Cols...)
		header = append(header, TotalLabel)
	}
	if err := w.Write(header); err != nil {
		return err
	}
	for r, row := range t.Grid {
		label := TotalLabel
		if r < len(t.Rows) {
			label = t.Rows[r]
		}
		line := []string{label}
		for _, f := range row {
			if f.Suppressed {
				line = append(line, Suppressed)
			} else {
				line = append(line, strconv.Itoa(f.Count))
			}
		}
		if err := w.Write(line); err != nil {
			return err
		}
	}
	return w.Flush()
}
