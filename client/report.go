package client

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ttpnl/ttp/client/csvfile"
)

// Summary counts what happened to a file's records.
type Summary struct {
	Records    int    // data rows read
	Accepted   int    // rows written to the coded file
	Rejected   int    // rows left out because of an F- problem
	Warnings   int    // warnings in the report: W- and BW- codes
	KeyVersion uint32 // the key version of the pseudonyms (0 in test mode)
}

// ReportLine is one problem in the quality report. It names where the
// problem is, never the value.
type ReportLine struct {
	Row     int    // data row number (header excluded); 0 for the file
	Line    int    // line in the file where the row starts
	Column  string // the CSV column, if the problem is about one
	Field   string // the identity field, if any
	Code    string
	Message string
}

// Report collects a file's problems for the quality report (package
// qualityreport writes it): each problem, and totals per code and per
// field. Problems of rows are spooled to a temporary file, so a file with a
// million warnings costs disk, not memory; the file's own (row 0) are few
// and kept, to be listed first.
type Report struct {
	spool    *os.File
	w        *csv.Writer
	n        int
	file     []ReportLine
	byCode   map[string]int
	byField  map[FieldKey]int
	comma    rune
	encoding csvfile.Encoding
}

// FieldKey is what the per-field totals count by: the identity field and
// the column it came from (both empty for a problem of a whole row).
type FieldKey struct{ Field, Column string }

// NewReport starts an empty report.
func NewReport() (*Report, error) {
	f, err := os.CreateTemp("", "ttp-report-*.csv")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: gone with the process, whatever happens
	return &Report{spool: f, w: csv.NewWriter(f), byCode: map[string]int{}, byField: map[FieldKey]int{}}, nil
}

// Add records one problem.
func (r *Report) Add(l ReportLine) {
	r.n++
	r.byCode[l.Code]++
	if l.Row != 0 {
		r.byField[FieldKey{l.Field, l.Column}]++
		r.w.Write([]string{itoa(l.Row), itoa(l.Line), l.Column, l.Field, l.Code, l.Message})
		return
	}
	r.file = append(r.file, l)
}

// Problems is the number of problems added.
func (r *Report) Problems() int { return r.n }

// Count is how many problems have code.
func (r *Report) Count(code string) int { return r.byCode[code] }

// Codes are the codes that occurred, in the order of Severity and number.
func (r *Report) Codes() []string {
	codes := make([]string, 0, len(r.byCode))
	for c := range r.byCode {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int {
		if d := severityRank(a) - severityRank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return codes
}

// Fields are the keys of the per-field totals of the rows' problems,
// sorted by field and column.
func (r *Report) Fields() []FieldKey {
	keys := make([]FieldKey, 0, len(r.byField))
	for k := range r.byField {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b FieldKey) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		return strings.Compare(a.Column, b.Column)
	})
	return keys
}

// FieldCount is how many problems of rows are about k.
func (r *Report) FieldCount(k FieldKey) int { return r.byField[k] }

// Warnings is the number of warnings of every kind (W- and BW- codes).
func (r *Report) Warnings() int {
	n := 0
	for c, k := range r.byCode {
		if Severity(c) == SeverityWarning || Severity(c) == SeverityFileWarning {
			n += k
		}
	}
	return n
}

// SetInput records how the input was read: its separator and encoding
// (the report is written with the input's separator).
func (r *Report) SetInput(comma rune, enc csvfile.Encoding) { r.comma, r.encoding = comma, enc }

// Input is what SetInput recorded; comma 0 when the file was never read.
func (r *Report) Input() (comma rune, enc csvfile.Encoding) { return r.comma, r.encoding }

// Each calls fn with every problem: the file's first, then the rows' in
// the order they were added.
func (r *Report) Each(fn func(ReportLine) error) error {
	for _, l := range r.file {
		if err := fn(l); err != nil {
			return err
		}
	}
	r.w.Flush()
	if err := r.w.Error(); err != nil {
		return err
	}
	if _, err := r.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	defer r.spool.Seek(0, io.SeekEnd)
	cr := csv.NewReader(r.spool)
	cr.FieldsPerRecord = 6
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		row, _ := strconv.Atoi(rec[0])
		line, _ := strconv.Atoi(rec[1])
		if err := fn(ReportLine{Row: row, Line: line, Column: rec[2], Field: rec[3], Code: rec[4], Message: rec[5]}); err != nil {
			return err
		}
	}
}

// Close releases the spool.
func (r *Report) Close() error { return r.spool.Close() }

// The severities a code's prefix gives, as in the Dutch heart registry's
// upload report: F rejects the record, W warns, BF rejects the file, BW
// warns about it.
const (
	SeverityFileRejected   = "file rejected"
	SeverityFileWarning    = "file warning"
	SeverityRecordRejected = "record rejected"
	SeverityWarning        = "warning"
)

// Severity spells out what a code's prefix means.
func Severity(code string) string {
	switch {
	case strings.HasPrefix(code, "BF"):
		return SeverityFileRejected
	case strings.HasPrefix(code, "BW"):
		return SeverityFileWarning
	case strings.HasPrefix(code, "F"):
		return SeverityRecordRejected
	case strings.HasPrefix(code, "W"):
		return SeverityWarning
	}
	return ""
}

// severityRank orders the codes in a report: what stopped the file first,
// then what rejected records, then the warnings.
func severityRank(code string) int {
	switch Severity(code) {
	case SeverityFileRejected:
		return 0
	case SeverityFileWarning:
		return 1
	case SeverityRecordRejected:
		return 2
	case SeverityWarning:
		return 3
	}
	return 4
}

func itoa(n int) string { return strconv.Itoa(n) }
