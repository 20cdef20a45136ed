package csvfile

import (
	"bufio"
	"encoding/csv"
	"io"
)

// Writer writes CSV rows with LF line ends, quoting a field only when it
// needs it (separator, quote, line break, or a leading space).
type Writer struct {
	buf *bufio.Writer
	csv *csv.Writer
}

// NewWriter writes to w with the given separator; pass the Reader's Comma()
// so the coded file looks like the input.
func NewWriter(w io.Writer, comma rune) *Writer {
	buf := bufio.NewWriterSize(w, bufSize)
	cw := csv.NewWriter(buf) // writes straight into buf: it is a large enough *bufio.Writer
	cw.Comma = comma
	return &Writer{buf: buf, csv: cw}
}

// Write writes one row. The output is buffered: call Flush at the end.
func (w *Writer) Write(fields []string) error {
	// encoding/csv writes a row of one empty field as an empty line, and
	// empty lines are skipped on reading: the row would vanish. A quoted
	// empty field keeps it.
	if len(fields) == 1 && fields[0] == "" {
		_, err := w.buf.WriteString("\"\"\n")
		return err
	}
	return w.csv.Write(fields)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error {
	w.csv.Flush()
	return w.csv.Error()
}
