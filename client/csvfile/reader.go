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
	// Encoding is how the bytes are read as text; Auto (the zero value)
	// detects it. Rows come back as UTF-8 whatever it is.
	Encoding Encoding
}

// Row is one data row.
type Row struct {
	Number  int      // data row number, 1-based; the header and skipped empty lines do not count
	Line    int      // physical line where the row starts (the header is line 1)
	Fields  []string // a fresh slice on every call; kept also when Problem is set
	Problem *RowProblem
	// NotUTF8 lists the fields (0-based) that are not UTF-8. Only a strict
	// UTF8 reading leaves any: the caller decides whether that rejects the
	// row (a mapped column) or not (a column it passes on unchanged).
	NotUTF8 []int
}

// Reader reads a CSV export row by row.
type Reader struct {
	counter  *countingReader
	raw, buf *bufio.Reader // buf is raw when the file is read as it is
	csv      *csv.Reader
	header   []string
	comma    rune
	encoding Encoding
	given    bool          // the caller named the encoding
	fallback *utf8Fallback // Auto's count of bytes read as Windows-1252
	rows     int
	err      error // sticky: once the file is unreadable, it stays so
}

// NewReader reads and checks the header. It strips a UTF-8 BOM. File-level
// problems are returned as *FileError; a failing io.Reader gives its own
// error, wrapped.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.Comma != 0 && !validComma(opts.Comma) {
		return nil, fmt.Errorf("csvfile: invalid separator %q", opts.Comma)
	}
	counter := &countingReader{r: r}
	raw := bufio.NewReaderSize(counter, bufSize)

	// Look before parsing: encoding/csv happily "parses" a PNG or an xlsx
	// into garbage rows, and the data manager then gets thousands of
	// meaningless row problems instead of one clear message.
	head, err := raw.Peek(bufSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("csvfile: reading input: %w", err)
	}
	enc := chooseEncoding(head, opts.Encoding)
	utf16 := enc == UTF16LE || enc == UTF16BE
	if !utf16 { // UTF-16 is judged on its text, below
		if why := sniffBinary(sniffPart(head)); why != "" {
			return nil, notTextError(0, why)
		}
	}
	buf := raw
	text, fallback := decoder(raw, enc)
	if text != io.Reader(raw) {
		buf = bufio.NewReaderSize(text, bufSize)
		if head, err = buf.Peek(bufSize); err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, fmt.Errorf("csvfile: reading input: %w", err)
		}
	}
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		buf.Discard(3)
		head = head[3:]
	}
	if utf16 {
		if why := sniffBinary(sniffPart(head)); why != "" {
			return nil, notTextError(0, why)
		}
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
	rd := &Reader{counter: counter, raw: raw, buf: buf, csv: cr, comma: comma,
		encoding: enc, given: opts.Encoding != Auto, fallback: fallback}

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
	if r.encoding == UTF8 {
		for i, f := range fields {
			if !utf8.ValidString(f) {
				row.NotUTF8 = append(row.NotUTF8, i)
			}
		}
	}
	return row, nil
}

// BytesRead reports how many bytes of input have been consumed so far,
// including the header. It is meant for a progress bar.
func (r *Reader) BytesRead() int64 {
	n := r.counter.n - int64(r.raw.Buffered())
	if r.buf != r.raw { // decoded bytes: not the input's, but close
		n -= int64(r.buf.Buffered())
	}
	return max(n, 0)
}

// Encoding returns the encoding the file is read in: given, or detected
// (Auto when it is UTF-8 with the Windows-1252 fallback).
func (r *Reader) Encoding() Encoding { return r.encoding }

// Notes are the file-level remarks about the file so far: that it was
// converted (BW-001), and, after the last row, how many bytes the UTF-8
// reading took as Windows-1252 (BW-002). Each is said once, for the file.
func (r *Reader) Notes() []Note {
	var notes []Note
	switch r.encoding {
	case Windows1252, UTF16LE, UTF16BE:
		how := "detected"
		if r.given {
			how = "as -encoding says"
		}
		notes = append(notes, Note{Code: CodeConverted, Message: fmt.Sprintf(
			"the file is %s text (%s), not UTF-8: it was read as such, and the output is written in UTF-8", r.encoding, how)})
	}
	if f := r.fallback; f != nil && f.n > 0 {
		notes = append(notes, Note{Code: CodeMixedEncoding, Line: f.firstLine, Message: fmt.Sprintf(
			"the file is UTF-8 but %d bytes are not: they were read as Windows-1252 (the first on line %d). Check the accented letters, or give -encoding", f.n, f.firstLine)})
	}
	return notes
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
