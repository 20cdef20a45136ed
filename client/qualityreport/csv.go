package qualityreport

import (
	"encoding/csv"
	"io"
	"strconv"
)

// writeCSV writes the report as one table: every line has the same
// columns, and the first says which part of the report it belongs to (the
// run, a total, a code's total, a field's total, a problem), so that a
// spreadsheet can filter on it and a program read it with any CSV reader.
// The separator is the input's: the file opens as the input did.
func writeCSV(w io.Writer, c *content) error {
	cw := csv.NewWriter(w)
	cw.Comma = c.comma
	t := c.t
	write := func(rec []string) { cw.Write(rec) } // errors are sticky: cw.Error
	write(t.columns[:])
	for _, kv := range c.run {
		write([]string{t.run, kv[0], kv[1], "", "", "", "", "", "", ""})
	}
	for _, n := range c.totals {
		write([]string{t.total, n.item, strconv.Itoa(n.n), "", "", "", "", "", "", ""})
	}
	for _, ct := range c.codes {
		write([]string{t.code, ct.code, strconv.Itoa(ct.n), "", "", "", "", ct.code, ct.severity, ct.message})
	}
	for _, ft := range c.fields {
		write([]string{t.field, ft.field, strconv.Itoa(ft.n), "", "", ft.column, ft.field, "", "", ""})
	}
	err := c.eachProblem(func(row, line int, cells [5]string) error {
		write([]string{t.problem, "", "", number(row), number(line), cells[0], cells[1], cells[2], cells[3], cells[4]})
		return cw.Error()
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}
