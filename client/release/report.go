package release

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/ttpnl/ttp/identity"
)

// A Problem is one line of the release report: where, and the code; never
// a value.
type Problem struct {
	Row    int    // data row (header excluded)
	Line   int    // line of the input where the row starts
	Column string // the column, if the problem is about one
	Code   identity.Code
}

// reportWriter writes the release report in the style of ttp code's
// quality report: "name,value" heading lines, an empty line, then one line
// per problem with its row, line, column, code, severity and message.
type reportWriter struct {
	w     *csv.Writer
	title string
}

func newReportWriter(w io.Writer, title string) *reportWriter {
	return &reportWriter{w: csv.NewWriter(w), title: title}
}

// heading writes the title and the name,value lines; sections follow as
// tables of their own, each after an empty line.
func (r *reportWriter) heading(pairs [][2]string, sections ...[][]string) {
	r.w.Write([]string{r.title})
	for _, p := range pairs {
		r.w.Write(p[:])
	}
	for _, s := range sections {
		r.w.Write([]string{})
		r.w.WriteAll(s)
	}
	r.w.Write([]string{})
	r.w.Write([]string{"row", "line", "column", "code", "severity", "message"})
}

func (r *reportWriter) problem(p Problem) {
	severity := "warning"
	if p.Code.Fatal() {
		severity = "record left out"
	}
	r.w.Write([]string{itoa(p.Row), itoa(p.Line), p.Column, string(p.Code), severity, p.Code.Message()})
}

func (r *reportWriter) flush() error {
	r.w.Flush()
	return r.w.Error()
}

func itoa(n int) string { return strconv.Itoa(n) }
