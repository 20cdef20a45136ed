package csvfile

import (
	"bytes"
	"unicode/utf8"
)

// sniffSize is how much of the file start is inspected to decide whether it
// is text at all, before any parsing.
const sniffSize = 4096

// magic numbers of files that data managers pick by mistake; naming the
// likely format makes the error actionable.
var magics = []struct {
	prefix string
	what   string
}{
	{"PK\x03\x04", "it looks like a ZIP archive or an Excel .xlsx workbook; export it as CSV (UTF-8)"},
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "it looks like an old Excel .xls workbook; export it as CSV (UTF-8)"},
	{"%PDF-", "it looks like a PDF document"},
	{"\x89PNG", "it looks like a PNG image"},
	{"\xFF\xD8\xFF", "it looks like a JPEG image"},
	{"\x1F\x8B", "it looks like a gzip-compressed file; decompress it first"},
}

// sniffPart is the start of head that sniffBinary looks at, and whether
// head went on beyond it.
func sniffPart(head []byte) ([]byte, bool) {
	if len(head) > sniffSize {
		return head[:sniffSize], true
	}
	return head, false
}

// sniffBinary returns why head (the start of the file)
// is not CSV text, or "" when it looks like text. full tells whether head was
// cut off at the sniff size, so a UTF-8 sequence cut in half at the end is
// not held against the file.
func sniffBinary(head []byte, full bool) string {
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return m.what
		}
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return "it contains NUL bytes in the first 4 KiB (binary data)"
	}
	// Count bytes that do not occur in text: control characters and bytes
	// that are not part of valid UTF-8. A Windows-1252 export has a few of
	// the latter (accented names) and must still pass, so only a high share
	// counts; random or binary data scores around 50%.
	bad := 0
	for i := 0; i < len(head); {
		c := head[i]
		if c < utf8.RuneSelf {
			if isControl(c) {
				bad++
			}
			i++
			continue
		}
		if full && !utf8.FullRune(head[i:]) {
			break
		}
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		}
		i += size
	}
	if bad >= 8 && bad*100 > len(head)*30 {
		return "more than 30% of the first 4 KiB are control or non-text bytes"
	}
	return ""
}

func isControl(c byte) bool {
	switch c {
	case '\t', '\n', '\r', '\f':
		return false
	}
	return c < 0x20 || c == 0x7F
}

// detectComma picks the separator from the header line: the candidate that
// occurs most often outside quotes. Ties go to the earlier candidate, so a
// header without any separator (a one-column file) gives ','.
func detectComma(head []byte) rune {
	var counts [3]int // ',' ';' '\t'
	inQuotes := false
scan:
	for _, c := range head {
		switch c {
		case '"':
			inQuotes = !inQuotes
		case '\n':
			if !inQuotes {
				break scan
			}
		case ',':
			if !inQuotes {
				counts[0]++
			}
		case ';':
			if !inQuotes {
				counts[1]++
			}
		case '\t':
			if !inQuotes {
				counts[2]++
			}
		}
	}
	best := 0
	for i := 1; i < len(counts); i++ {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return [...]rune{',', ';', '\t'}[best]
}
