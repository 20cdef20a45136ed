package release

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ttpnl/ttp/client/columnguard"
	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
)

// DefaultK is the least number of records a class, or a shown figure,
// rests on unless the user asks for more (seed 000: counts below 5 are
// suppressed).
const DefaultK = 5

// Options of a release of a record file.
type Options struct {
	Input            string // the input's name, for the report
	Comma            rune   // 0: detect
	QuasiIdentifiers []string
	K                int
	Method           Method
	Rules            []Rule
	Keep             []string // columns passed although their names say they identify
}

// Result counts what a release did.
type Result struct {
	Records         int // data rows read
	Released        int // rows written
	LeftOut         int // rows left out: unreadable (F-902, F-903) or below k (F-801, F-802)
	Warnings        int // W- lines in the report
	CellsSuppressed int // quasi-identifier values suppressed to reach k (W-805)
	Before, After   Stats
	Drivers         []Driver // of the classes before suppression
}

// Open opens the input afresh: a release reads it twice, once to count
// the classes and once to write.
type Open func() (io.ReadCloser, error)

// Run releases a record file: it generalises the rules' columns, counts the
// classes of the quasi-identifiers, suppresses until each has K records,
// and writes the released file to out and the report to report. The
// report is written in every case; an error that stops the run is in it
// (file_error).
func Run(open Open, out, report io.Writer, opts Options) (Result, error) {
	rw := newReportWriter(report, "ttp release report")
	pairs := [][2]string{
		{"input", opts.Input}, {"mode", "release"}, {"k", itoa(opts.K)},
		{"quasi_identifiers", strings.Join(opts.QuasiIdentifiers, ";")}, {"suppression", opts.Method.String()},
	}
	res, cs, plan, err := count(open, opts)
	if err != nil {
		rw.heading(append(pairs, [2]string{"file_error", err.Error()}))
		return res, errors.Join(err, rw.flush())
	}
	pairs = append(pairs,
		[2]string{"records", itoa(res.Records)}, [2]string{"released", itoa(res.Released)},
		[2]string{"left_out", itoa(res.LeftOut)}, [2]string{"warnings", itoa(res.Warnings)},
		[2]string{"cells_suppressed", itoa(res.CellsSuppressed)},
	)
	classes := [][]string{
		{"classes", "count", "smallest", "records_below_k"},
		{"before_suppression", itoa(res.Before.Classes), itoa(res.Before.Smallest), itoa(res.Before.BelowK)},
		{"released", itoa(res.After.Classes), itoa(res.After.Smallest), itoa(res.After.BelowK)},
	}
	drivers := [][]string{{"quasi_identifier", "distinct_values", "records_below_k_without_it"}}
	for _, d := range res.Drivers {
		drivers = append(drivers, []string{d.Column, itoa(d.Distinct), itoa(d.BelowKWithout)})
	}
	rw.heading(pairs, classes, drivers)
	if err := write(open, out, rw, opts, cs, plan, res.Records); err != nil {
		return res, err
	}
	return res, rw.flush()
}

// released is the state the two passes share.
type released struct {
	cs  *columns
	qis []int
}

// count is the first pass: generalise, count rare values and classes,
// check the pass-through columns, and plan the suppression.
func count(open Open, opts Options) (Result, *released, *Plan, error) {
	var res Result
	if opts.K < 2 {
		return res, nil, nil, fmt.Errorf("k is %d: it must be at least 2", opts.K)
	}
	if len(opts.QuasiIdentifiers) == 0 {
		return res, nil, nil, errors.New("no quasi-identifiers named")
	}
	f, err := open()
	if err != nil {
		return res, nil, nil, err
	}
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{Comma: opts.Comma})
	if err != nil {
		return res, nil, nil, err
	}
	st, err := prepare(r.Header(), opts)
	if err != nil {
		return res, nil, nil, err
	}
	guard, err := columnguard.New(r.Header(), append(st.qis, st.cs.order...), opts.Keep)
	if err != nil {
		return res, nil, nil, err
	}
	// Classes by the values before rare ones become Other, which is known
	// only at the end: memory grows with the classes, not the records.
	raw := newClasses(opts.QuasiIdentifiers)
	err = eachRow(r, func(row csvfile.Row) error {
		res.Records++
		if row.Problem != nil {
			res.LeftOut++
			return nil
		}
		guard.Observe(row.Fields)
		st.cs.generalise(row.Fields, func(int, identity.Code) { res.Warnings++ })
		st.cs.count(row.Fields)
		raw.add(pick(row.Fields, st.qis), 1)
		return nil
	})
	if err != nil {
		return res, nil, nil, err
	}
	if err := guard.Check(); err != nil {
		return res, nil, nil, err
	}
	st.cs.settleRare(opts.K)
	before := newClasses(opts.QuasiIdentifiers)
	for key, n := range raw.count {
		vs := classValues(key)
		for i, c := range st.qis {
			vs[i] = st.cs.toOther(c, vs[i])
		}
		before.add(vs, n)
	}
	plan := planSuppression(before, opts.K, opts.Method)
	res.Before, res.After = before.Stats(opts.K), plan.after.Stats(opts.K)
	res.Drivers = before.Drivers(opts.K)
	for key, n := range before.count {
		if _, out := plan.dropped[key]; out {
			res.LeftOut += n
			continue
		}
		res.Released += n
		if vs, ok := plan.released[key]; ok {
			res.CellsSuppressed += n * newlySuppressed(classValues(key), vs)
		}
	}
	res.Warnings += res.CellsSuppressed
	return res, st, plan, nil
}

// prepare finds the columns of the quasi-identifiers and the rules.
func prepare(header []string, opts Options) (*released, error) {
	cs, err := resolveColumns(header, opts.Rules)
	if err != nil {
		return nil, err
	}
	qis, err := columnIndexes(header, opts.QuasiIdentifiers)
	if err != nil {
		return nil, err
	}
	for i := range qis {
		for j := range i {
			if qis[i] == qis[j] {
				return nil, fmt.Errorf("quasi-identifier %q named twice", opts.QuasiIdentifiers[i])
			}
		}
	}
	return &released{cs: cs, qis: qis}, nil
}

// write is the second pass: the released file and the report's problem
// lines, in row order.
func write(open Open, out io.Writer, rw *reportWriter, opts Options, st *released, plan *Plan, records int) error {
	f, err := open()
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{Comma: opts.Comma})
	if err != nil {
		return err
	}
	header, err := st.cs.releasedHeader()
	if err != nil {
		return err
	}
	w := csvfile.NewWriter(out, r.Comma())
	if err := w.Write(header); err != nil {
		return err
	}
	n := 0
	err = eachRow(r, func(row csvfile.Row) error {
		n++
		if row.Problem != nil {
			rw.problem(Problem{Row: row.Number, Line: row.Line, Code: identity.Code(row.Problem.Code)})
			return nil
		}
		st.cs.generalise(row.Fields, func(c int, code identity.Code) {
			rw.problem(Problem{Row: row.Number, Line: row.Line, Column: r.Header()[c], Code: code})
		})
		key := classKey(pick(row.Fields, st.qis))
		if code, out := plan.dropped[key]; out {
			rw.problem(Problem{Row: row.Number, Line: row.Line, Code: code})
			return nil
		}
		if vs, ok := plan.released[key]; ok {
			for i, c := range st.qis {
				if vs[i] != row.Fields[c] {
					rw.problem(Problem{Row: row.Number, Line: row.Line, Column: r.Header()[c], Code: CodeSuppressed})
					row.Fields[c] = vs[i]
				}
			}
		}
		return w.Write(row.Fields)
	})
	if err != nil {
		return err
	}
	if n != records {
		return fmt.Errorf("the input changed while it was released: %d rows, then %d", records, n)
	}
	return w.Flush()
}

// pick returns the fields at cols, in a new slice.
func pick(fields []string, cols []int) []string {
	vs := make([]string, len(cols))
	for i, c := range cols {
		vs[i] = fields[c]
	}
	return vs
}

func newlySuppressed(from, to []string) int {
	n := 0
	for i := range from {
		if from[i] != to[i] {
			n++
		}
	}
	return n
}

// eachRow calls f with every row of r, to the end of the file or the first
// error.
func eachRow(r *csvfile.Reader, f func(csvfile.Row) error) error {
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := f(row); err != nil {
			return err
		}
	}
}
