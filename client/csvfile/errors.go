package csvfile

import "fmt"

// File-level problems: the file as a whole cannot be processed.
const (
	CodeNotText         = "BF-001"
	CodeBrokenQuoting   = "BF-002"
	CodeNoHeader        = "BF-003"
	CodeDuplicateColumn = "BF-004"
	CodeMissingColumn   = "BF-005"
)

// Row-level problems: one row is wrong, the rest of the file is fine.
// CodeNotUTF8 is the caller's to raise, for a field it needs (Row.NotUTF8).
const (
	CodeFieldCount = "F-902"
	CodeNotUTF8    = "F-903"
)

// File-level notes: the file is read, but the report says something about
// it once (Reader.Notes).
const (
	CodeConverted     = "BW-001" // read as Windows-1252 or UTF-16, written as UTF-8
	CodeMixedEncoding = "BW-002" // UTF-8 with bytes read as Windows-1252
)

// Note is a file-level remark: nothing is rejected for it. Message never
// contains cell content.
type Note struct {
	Code    string
	Line    int // where it starts, if it has a line
	Message string
}

// FileError is a problem that makes the rest of the file unreadable.
// Message never contains cell content.
type FileError struct {
	Code    string
	Line    int // 1-based physical line; 0 when the problem has no single line
	Message string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.Code, e.Line, e.Message)
	}
	return e.Code + ": " + e.Message
}

// RowProblem is a problem confined to one row. Message never contains cell
// content.
type RowProblem struct {
	Code    string
	Message string
}

func (p *RowProblem) String() string { return p.Code + ": " + p.Message }

// MissingColumn is the error for a column the caller needs (for example a
// mapped identifying column) that the header does not have. The name comes
// from the caller's mapping, not from a cell, so it may be shown.
func MissingColumn(name string) *FileError {
	return &FileError{
		Code:    CodeMissingColumn,
		Line:    1,
		Message: fmt.Sprintf("column %q is missing from the header", name),
	}
}

func notTextError(line int, why string) *FileError {
	return &FileError{Code: CodeNotText, Line: line, Message: "not a CSV text file: " + why}
}

// brokenQuoting reports where the record with the bad quote started, because
// that is where the data manager has to look; the parser may only notice the
// problem many lines later (an unclosed quote swallows the rest of the file).
func brokenQuoting(startLine, errLine, errColumn int, bare bool) *FileError {
	what := "a quoted field is not closed properly (a quote must be doubled inside a quoted field)"
	if bare {
		what = `a quote (") appears inside a field that does not start with a quote`
	}
	msg := "broken quoting: " + what
	if errLine != startLine {
		msg += fmt.Sprintf("; the parser gave up at line %d, column %d", errLine, errColumn)
	} else {
		msg += fmt.Sprintf(" (column %d of the line)", errColumn)
	}
	return &FileError{Code: CodeBrokenQuoting, Line: startLine, Message: msg}
}

func noHeader(why string) *FileError {
	return &FileError{Code: CodeNoHeader, Line: 1, Message: "no header row: " + why}
}

// duplicateColumn names positions, not the name itself: when a file lacks
// its header line, "the header" is really a row of patient data.
func duplicateColumn(first, second int) *FileError {
	return &FileError{
		Code: CodeDuplicateColumn,
		Line: 1,
		Message: fmt.Sprintf("columns %d and %d of the header have the same name "+
			"(names are compared without regard to case)", first, second),
	}
}

func wrongFieldCount(want, got int) *RowProblem {
	return &RowProblem{
		Code:    CodeFieldCount,
		Message: fmt.Sprintf("wrong number of fields: expected %d, got %d", want, got),
	}
}
