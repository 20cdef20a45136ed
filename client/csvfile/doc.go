// Package csvfile reads and writes the CSV export files that hospitals hand
// to the ttp client. It streams row by row, so memory stays bounded however
// large the file is.
//
// # What the reader accepts
//
//   - Text in UTF-8 (with or without a byte order mark), Windows-1252 or
//     Latin-1 (what Excel writes as "CSV" on a Dutch Windows), or UTF-16
//     (with a byte order mark, or recognised by its zero bytes). The
//     encoding is detected, or given (Options.Encoding); rows come back as
//     UTF-8, and a file that is not UTF-8 gets one note (BW-001). In a file
//     that is UTF-8 in its first 64 KiB, a byte further on that is not is
//     read as Windows-1252, and counted in one note (BW-002).
//   - Separator ',' or ';' or tab. Unless the caller names one, it is the
//     one that occurs most often outside quotes on the header line; when
//     they tie, ',' wins (then ';', then tab).
//   - Lines ending in LF or CR LF.
//   - Quoted fields ("...") that contain separators, doubled quotes ("")
//     and line breaks.
//   - Empty lines anywhere after the header: they are skipped and do not
//     count as rows. A line holding only spaces is NOT empty: it is a row
//     with one field, so in a file with more columns it is reported as a
//     row with the wrong number of fields.
//   - Empty column names (for example from a trailing separator on the
//     header line). Such columns are passed through but cannot be mapped.
//
// Data fields are returned exactly as they are in the file: no trimming.
// Column names on the header line are trimmed of surrounding spaces.
//
// # What the reader reports per row (the file goes on)
//
//   - F-902: the row has a different number of fields than the header.
//
// Such rows are still returned with their fields, so that the caller can
// pass them through or skip them and report them per record. Only when the
// caller asks for strict UTF-8 can a field be other than UTF-8: the row
// names such fields (Row.NotUTF8) and the caller decides, since a byte in a
// column it passes on unchanged is no reason to reject a row; a column it
// needs gets F-903 (CodeNotUTF8).
//
// # What the reader refuses (the file stops)
//
//   - BF-001: not a CSV text file: NUL bytes or many control / non-UTF-8
//     bytes in the first 4 KiB (a spreadsheet, PDF, image, compressed
//     file ...), or a NUL byte later in the file.
//   - BF-002: broken quoting: a quote that is never closed, or a quote
//     inside an unquoted field. Everything after it would be misread.
//   - BF-003: no header row: an empty file, or an empty first line.
//   - BF-004: two columns on the header line with the same name (compared
//     without regard to case).
//   - BF-005: a column the caller needs is missing from the header (the
//     caller raises this one with MissingColumn).
//
// # Known limitation
//
// Inside a quoted field a CR LF line break is read as a plain LF (this is
// how encoding/csv normalises line ends). All other content, including
// lone CRs, survives a strict UTF-8 read/write round trip byte for byte.
//
// # Privacy
//
// Error and problem messages name line numbers, row numbers and column
// positions, never the content of a cell: a cell may hold a patient
// identifier, and these messages end up in logs and quality reports.
package csvfile
