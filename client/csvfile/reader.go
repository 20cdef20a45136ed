package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// bufSize is the read buffer. It is also the most the header detection can
// look at, so a header line of up to 64 KiB is judged on all of it.
const bufSize = 64 << 10

// Options tune the Reader. The zero value is the usual choice.
type Options struct {
	// Comma is the field separator. 0 means: detect it from the header line
	// (',' or ';' or tab).
	Comma rune
}

// Row is one data row.
type Row struct {
	Number  int      // data row number, 1-based; the header and skipped empty lines do not count
	Line    int      // physical line where the row starts (the header is line 1)
	Fields  []string // a fresh slice on every call; kept also when Problem is set
	Problem *RowProblem
}

// Reader reads a CSV export row by row.
type Reader struct {
	counter *countingReader
	buf     *bufio.Reader
	csv     *csv.Reader
	header  []string
	comma   rune
	rows    int
	err     error // sticky: once the file is unreadable, it stays so
}

// NewReader reads and checks the header. It strips a UTF-8 BOM. File-level
// problems are returned as *FileError; a failing io.Reader gives its own
// error, wrapped.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.Comma != 0 && !validComma(opts.Comma) {
		return nil, fmt.Errorf("csvfile: invalid separator %q", opts.Comma)
	}
	counter := &countingReader{r: r}
	buf := bufio.NewReaderSize(counter, bufSize)

	// Look before parsing: encoding/csv happily "parses" a PNG or an xlsx
	// into garbage rows, and the data manager then gets thousands of
	// meaningless row problems instead of one clear message.
	head, err := buf.Peek(bufSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("csvfile: reading input: %w", err)
	}
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		buf.Discard(3)
		head = head[3:]
	}
	sniff, full := head, len(head) > sniffSize
	if full {
		sniff = sniff[:sniffSize]
	}
	if why := sniffBinary(sniff, full); why != "" {
		return nil, notTextError(0, why)
	}
	if len(head) == 0 {
		return nil, noHeader("the file is empty")
	}
	// encoding/csv skips empty lines, so it would silently take the first
	// data row as the header.
	if head[0] == '\n' || bytes.HasPrefix(head, []byte("\r\n")) {
		return nil, noHeader("the first line is empty; the column names must be on line 1")
	}

	comma := opts.Comma
	if comma == 0 {
		comma = detectComma(head)
	}
	cr := csv.NewReader(buf) // uses buf as is: it is a large enough *bufio.Reader
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // the column check is ours, so a bad row is a row problem, not the end
	rd := &Reader{counter: counter, buf: buf, csv: cr, comma: comma}

	header, err := cr.Read()
	if err == io.EOF {
		return nil, noHeader("the file holds only empty lines")
	}
	if err != nil {
		return nil, rd.fileError(err)
	}
	if err := checkNUL(cr, header); err != nil {
		return nil, err
	}
	empty := true
	seen := make(map[string]int, len(header))
	for i, name := range header {
		name = strings.TrimSpace(name)
		header[i] = name
		if name == "" {
			continue
		}
		empty = false
		key := strings.ToLower(name)
		if j, dup := seen[key]; dup {
			return nil, duplicateColumn(j+1, i+1)
		}
		seen[key] = i
	}
	if empty {
		return nil, noHeader("the first line holds no column names")
	}
	rd.header = header
	return rd, nil
}

// Header returns the column names, trimmed of surrounding spaces.
func (r *Reader) Header() []string { return r.header }

// Comma returns the separator in use (given or detected).
func (r *Reader) Comma() rune { return r.comma }

// Column returns the index of the named column: an exact match first, then
// one that differs only in case. Surrounding spaces in name are ignored, as
// they are in the header.
func (r *Reader) Column(name string) (int, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, false
	}
	for i, h := range r.header {
		if h == name {
			return i, true
		}
	}
	for i, h := range r.header {
		if strings.EqualFold(h, name) {
			return i, true
		}
	}
	return 0, false
}

// Next returns the next data row, or io.EOF after the last one. A row with a
// problem of its own comes back with Problem set and a nil error. A
// *FileError means the rest of the file cannot be read reliably; every later
// call returns the same error.
func (r *Reader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}
	fields, err := r.csv.Read()
	if err != nil {
		if err != io.EOF {
			err = r.fileError(err)
		}
		r.err = err
		return Row{}, err
	}
	if err := checkNUL(r.csv, fields); err != nil {
		r.err = err
		return Row{}, err
	}
	r.rows++
	line, _ := r.csv.FieldPos(0)
	row := Row{Number: r.rows, Line: line, Fields: fields}
	if len(fields) != len(r.header) {
		row.Problem = wrongFieldCount(len(r.header), len(fields))
		return row, nil
	}
	for i, f := range fields {
		if !utf8.ValidString(f) {
			row.Problem = notUTF8(i + 1)
			break
		}
	}
	return row, nil
}

// BytesRead reports how many bytes of input have been consumed so far,
// including the header. It is meant for a progress bar.
func (r *Reader) BytesRead() int64 {
	return r.counter.n - int64(r.buf.Buffered())
}

// fileError turns an encoding/csv error into a FileError. ParseError's own
// text is not used: it is fine, but our messages must stay free of content
// and consistent in form.
func (r *Reader) fileError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			return brokenQuoting(pe.StartLine, pe.Line, pe.Column, false)
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return brokenQuoting(pe.StartLine, pe.Line, pe.Column, true)
		}
	}
	return fmt.Errorf("csvfile: reading input: %w", err)
}

// checkNUL refuses a NUL byte anywhere in the record. Only the first 4 KiB
// are sniffed up front; a NUL further on means the file is corrupt or not
// text after all, and nothing after it can be trusted.
func checkNUL(cr *csv.Reader, fields []string) error {
	for i, f := range fields {
		if k := strings.IndexByte(f, 0); k >= 0 {
			line, _ := cr.FieldPos(i)
			line += strings.Count(f[:k], "\n")
			return notTextError(line, "it contains a NUL byte (binary data)")
		}
	}
	return nil
}

func validComma(c rune) bool {
	return c != '"' && c != '\r' && c != '\n' && c != utf8.RuneError && c != 0xFEFF && utf8.ValidRune(c)
}

// countingReader counts the bytes read from the input, for BytesRead.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
