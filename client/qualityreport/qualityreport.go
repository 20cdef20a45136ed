// Package qualityreport writes the quality report of a run of ttp code,
// ttp link or ttp convert the way a registry's upload report reads: the
// run (time, tool, institution, domain, key version, how the file was
// read), the totals, the totals per code and per field, then each problem
// with its row, line, column, field, code, severity and message. In English
// or Dutch; as CSV with the input's separator, or as an Excel workbook when
// the path ends in .xlsx. Like every problem message, it names where a
// problem is and never a value.
package qualityreport

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/csvfile"
)

// Run is what the report says about the run besides its problems.
type Run struct {
	Time        time.Time // when it started
	Tool        string    // the tool and its version: "ttp v1.2.0"
	Institution string    // who ran it: the client certificate's name and organisation
	Input       string
	Mode        string // code, test, link, convert, ...
	Domain      string
	Error       string // why the run failed; "" when it completed
	Lang        Lang
	// Comma is the separator of a CSV report when the input was never read
	// (0: ','); otherwise the report uses the input's.
	Comma rune
}

// IsXLSX says whether path names an Excel workbook, which Write writes
// instead of CSV.
func IsXLSX(path string) bool { return strings.EqualFold(filepath.Ext(path), ".xlsx") }

// Write writes the report to path: whole or not at all, since it is written
// under a side name and renamed over path when complete.
func Write(path string, run Run, sum client.Summary, rep *client.Report) error {
	c := build(run, sum, rep)
	side := path + ".partial"
	f, err := os.Create(side)
	if err != nil {
		return err
	}
	defer os.Remove(side) // gone once renamed; removed if anything failed
	bw := bufio.NewWriterSize(f, 1<<16)
	if IsXLSX(path) {
		err = writeXLSX(bw, c)
	} else {
		err = writeCSV(bw, c)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return os.Rename(side, path)
}

// content is the report, language chosen, ready for either format.
type content struct {
	t      *texts
	run    [][2]string // item, value
	totals []count     // item, count
	codes  []codeTotal
	fields []fieldTotal
	comma  rune
	rep    *client.Report
}

type count struct {
	item string
	n    int
}

type codeTotal struct {
	code, severity, message string
	n                       int
}

type fieldTotal struct {
	field, column string
	n             int
}

func build(run Run, sum client.Summary, rep *client.Report) *content {
	t := textsFor(run.Lang)
	comma, enc := rep.Input()
	if comma == 0 {
		comma = run.Comma
	}
	if comma == 0 {
		comma = ','
	}
	c := &content{t: t, comma: comma, rep: rep}
	status := t.completed
	if run.Error != "" {
		status = t.failed + ": " + run.Error
	}
	c.run = [][2]string{
		{t.time, run.Time.Format(time.RFC3339)},
		{t.tool, run.Tool + " (" + runtime.Version() + ")"},
		{t.institution, run.Institution},
		{t.input, run.Input},
		{t.mode, run.Mode},
		{t.domain, run.Domain},
		{t.keyVersion, keyVersion(sum.KeyVersion)},
		{t.encoding, encodingName(enc, rep)},
		{t.separator, t.separatorName(comma)},
		{t.status, status},
	}
	c.totals = []count{
		{t.records, sum.Records}, {t.accepted, sum.Accepted}, {t.rejected, sum.Rejected},
		{t.warnings, rep.Warnings()}, {t.problems, rep.Problems()},
	}
	for _, code := range rep.Codes() {
		c.codes = append(c.codes, codeTotal{code: code, severity: t.severity(code), message: t.codeMessage(code), n: rep.Count(code)})
	}
	for _, k := range rep.Fields() {
		field := k.Field
		if field == "" {
			field = t.wholeRecord
		}
		c.fields = append(c.fields, fieldTotal{field: field, column: k.Column, n: rep.FieldCount(k)})
	}
	return c
}

func keyVersion(v uint32) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(v), 10)
}

// encodingName is how the input was read; nothing when it was never read.
func encodingName(enc csvfile.Encoding, rep *client.Report) string {
	switch c, _ := rep.Input(); {
	case c == 0:
		return ""
	case enc == csvfile.Auto: // UTF-8, and BW-002 says if some bytes were not
		return csvfile.UTF8.String()
	}
	return enc.String()
}

// separatorName is the separator in words: a ';' in its cell would be
// quoted in the very CSV it describes.
func (t *texts) separatorName(comma rune) string {
	if name, ok := t.separators[comma]; ok {
		return name
	}
	return string(comma)
}

// eachProblem calls fn with each problem's cells: row and line (0 for
// none), column, field, code, severity and message, in the report's
// language.
func (c *content) eachProblem(fn func(row, line int, cells [5]string) error) error {
	return c.rep.Each(func(l client.ReportLine) error {
		return fn(l.Row, l.Line, [5]string{l.Column, l.Field, l.Code, c.t.severity(l.Code), c.t.lineMessage(l)})
	})
}

// number is a row or line number as a cell: empty for 0 (the file).
func number(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
