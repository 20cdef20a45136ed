// Package csvfile reads and writes the CSV export files that hospitals hand
// to the ttp client. It streams row by row, so memory stays bounded however
// large the file is.
//
// # What the reader accepts
//
//   - UTF-8 text, with or without a byte order mark (BOM).
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
//   - F-903: a field is not valid UTF-8 (typically a file saved as
//     Windows-1252 / "ANSI" instead of UTF-8).
//
// Such rows are still returned with their fields, so that the caller can
// pass them through or skip them and report them per record.
//
// # What the reader refuses (the file stops)
//
//   - BF-001: not a CSV text file: NUL bytes or many control / non-UTF-8
//     bytes in the first 4 KiB (a spreadsheet, PDF, image, UTF-16 text,
//     compressed file ...), or a NUL byte later in the file.
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
// lone CRs, survives a read/write round trip byte for byte.
//
// # Privacy
//
// Error and problem messages name line numbers, row numbers and column
// positions, never the content of a cell: a cell may hold a patient
// identifier, and these messages end up in logs and quality reports.
package csvfile
