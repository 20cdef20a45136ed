package qualityreport

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// writeXLSX writes the report as a workbook of two sheets: the summary
// (the run, the totals, the totals per code and per field) and the
// problems, one per row, with row and line as numbers. The problems are
// streamed, so a long report does not sit in memory; a sheet holds at most
// excelize.TotalRows rows, and the last says how many more there were.
func writeXLSX(w io.Writer, c *content) (err error) {
	t := c.t
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", t.summarySheet); err != nil {
		return err
	}
	var rows [][]any
	rows = append(rows, []any{t.title}, nil)
	for _, kv := range c.run {
		rows = append(rows, []any{kv[0], kv[1]})
	}
	rows = append(rows, nil)
	for _, n := range c.totals {
		rows = append(rows, []any{n.item, n.n})
	}
	rows = append(rows, nil, []any{t.code, t.severityWord, t.count, t.message})
	for _, ct := range c.codes {
		rows = append(rows, []any{ct.code, ct.severity, ct.n, ct.message})
	}
	rows = append(rows, nil, []any{t.field, t.column, t.count})
	for _, ft := range c.fields {
		rows = append(rows, []any{ft.field, ft.column, ft.n})
	}
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(t.summarySheet, cell, &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(t.summarySheet, "A", "A", 22); err != nil {
		return err
	}
	if err := f.SetColWidth(t.summarySheet, "B", "B", 30); err != nil {
		return err
	}

	if _, err := f.NewSheet(t.problemsSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(t.problemsSheet)
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(7, 7, 80); err != nil {
		return err
	}
	header := []any{t.row, t.line, t.column, t.field, t.code, t.severityWord, t.message}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	n, left := 1, 0
	err = c.eachProblem(func(row, line int, cells [5]string) error {
		if n == excelize.TotalRows-1 {
			left++
			return nil
		}
		n++
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, []any{numberCell(row), numberCell(line), cells[0], cells[1], cells[2], cells[3], cells[4]})
	})
	if err != nil {
		return err
	}
	if left > 0 {
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		if err := sw.SetRow(cell, []any{nil, nil, nil, nil, nil, nil, fmt.Sprintf("… %d more: the CSV report lists every problem", left)}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// numberCell is a row or line number as a cell: a number, or empty for the
// file as a whole.
func numberCell(n int) any {
	if n == 0 {
		return nil
	}
	return n
}
