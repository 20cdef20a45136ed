package client

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Summary counts what happened to a file's records.
type Summary struct {
	Records    int    // data rows read
	Accepted   int    // rows written to the coded file
	Rejected   int    // rows left out because of an F- problem
	Warnings   int    // W- problems among the accepted rows
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

// Report collects a file's problems and writes the quality report: a
// heading with the totals, then one line per problem. Problems are spooled to
// a temporary file, so a file with a million warnings costs disk, not memory.
type Report struct {
	spool *os.File
	w     *csv.Writer
	n     int
}

// NewReport starts an empty report.
func NewReport() (*Report, error) {
	f, err := os.CreateTemp("", "ttp-report-*.csv")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: gone with the process, whatever happens
	return &Report{spool: f, w: csv.NewWriter(f)}, nil
}

// Add records one problem.
func (r *Report) Add(l ReportLine) {
	r.n++
	r.w.Write([]string{itoa(l.Row), itoa(l.Line), l.Column, l.Field, l.Code, severity(l.Code), l.Message})
}

// Problems is the number of problems added.
func (r *Report) Problems() int { return r.n }

// Heading is what the report says about the run above the problem lines.
type Heading struct {
	Input  string
	Domain string
	Mode   string // "code", "test" or "link"
	Error  string // a file-level error that stopped the run, if any
}

// WriteTo writes the whole report as CSV to w.
func (r *Report) WriteTo(w io.Writer, h Heading, s Summary) error {
	r.w.Flush()
	if err := r.w.Error(); err != nil {
		return err
	}
	out := csv.NewWriter(w)
	rows := [][]string{
		{"ttp quality report"},
		{"input", h.Input}, {"domain", h.Domain}, {"mode", h.Mode},
		{"records", itoa(s.Records)}, {"accepted", itoa(s.Accepted)}, {"rejected", itoa(s.Rejected)},
		{"warnings", itoa(s.Warnings)}, {"problems", itoa(r.n)},
	}
	if s.KeyVersion != 0 {
		rows = append(rows, []string{"key_version", strconv.FormatUint(uint64(s.KeyVersion), 10)})
	}
	if h.Error != "" {
		rows = append(rows, []string{"file_error", h.Error})
	}
	rows = append(rows, []string{}, []string{"row", "line", "column", "field", "code", "severity", "message"})
	if err := out.WriteAll(rows); err != nil {
		return err
	}
	if _, err := r.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(w, r.spool); err != nil {
		return err
	}
	return nil
}

// Close releases the spool.
func (r *Report) Close() error { return r.spool.Close() }

// severity spells out what a code's prefix means (as in the Dutch heart
// registry's upload report: F rejects the record, W warns, BF rejects the file).
func severity(code string) string {
	switch {
	case len(code) >= 2 && code[:2] == "BF":
		return "file rejected"
	case len(code) >= 2 && code[:2] == "BW":
		return "file warning"
	case len(code) >= 1 && code[0] == 'F':
		return "record rejected"
	case len(code) >= 1 && code[0] == 'W':
		return "warning"
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

// WriteReportFile writes the report to path.
func WriteReportFile(path string, r *Report, h Heading, s Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := r.WriteTo(bw, h, s); err != nil {
		f.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
