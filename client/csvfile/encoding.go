package csvfile

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding says how a file's bytes are read as text. Whatever it is, the
// Reader returns UTF-8, and so the coded file is UTF-8.
type Encoding string

// The encodings the Reader takes. Latin-1 (ISO-8859-1) files are read as
// Windows-1252: the two agree on every letter, and Excel's "CSV" in a Dutch
// or English Windows is Windows-1252.
const (
	// Auto detects: UTF-16 by its byte order mark or its zero bytes,
	// Windows-1252 when the first 64 KiB have bytes that are not UTF-8 and
	// nothing that is, else UTF-8, in which a stray byte that is not UTF-8
	// is read as Windows-1252 (and reported once, BW-002) rather than
	// rejected.
	Auto        Encoding = ""
	UTF8        Encoding = "utf-8" // strict: a field that is not UTF-8 is marked in Row.NotUTF8
	Windows1252 Encoding = "windows-1252"
	UTF16LE     Encoding = "utf-16le"
	UTF16BE     Encoding = "utf-16be"
)

// EncodingNames lists what ParseEncoding takes, for a flag's help.
const EncodingNames = "auto, utf-8, windows-1252 (also cp1252, ansi, latin1, iso-8859-1), utf-16le, utf-16be (utf-16: by its byte order mark)"

// ParseEncoding reads an encoding's name as a user writes it.
func ParseEncoding(name string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "auto":
		return Auto, nil
	case "utf-8", "utf8":
		return UTF8, nil
	case "windows-1252", "cp1252", "ansi", "latin1", "latin-1", "iso-8859-1", "iso8859-1":
		return Windows1252, nil
	case "utf-16", "utf16", "utf-16le", "utf16le", "ucs-2":
		return UTF16LE, nil // a byte order mark, if there is one, decides
	case "utf-16be", "utf16be":
		return UTF16BE, nil
	}
	return "", fmt.Errorf("unknown encoding %q (known: %s)", name, EncodingNames)
}

// String is the encoding's name as a report shows it.
func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "UTF-8"
	case Windows1252:
		return "Windows-1252"
	case UTF16LE:
		return "UTF-16LE"
	case UTF16BE:
		return "UTF-16BE"
	}
	return "auto"
}

// chooseEncoding decides how to read a file that starts with head (raw
// bytes, up to bufSize): given is the caller's choice, Auto to detect.
func chooseEncoding(head []byte, given Encoding) Encoding {
	if given != Auto {
		return given
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return UTF16LE
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return UTF16BE
	}
	if e := utf16WithoutBOM(head); e != Auto {
		return e
	}
	if windows1252Head(head, len(head) == bufSize) {
		return Windows1252
	}
	return Auto // UTF-8, with the Windows-1252 fallback
}

// utf16WithoutBOM recognises UTF-16 text without a byte order mark by its
// zero bytes: text that is mostly Latin has a zero in every other byte, on
// the odd positions for little-endian. Binary data has zeros on both.
func utf16WithoutBOM(head []byte) Encoding {
	head = head[:min(len(head), sniffSize)]
	if len(head) < 4 {
		return Auto
	}
	var zeros [2]int
	for i, c := range head {
		if c == 0 {
			zeros[i%2]++
		}
	}
	half := len(head) / 2
	switch {
	case zeros[1]*10 > half*7 && zeros[0]*50 < half:
		return UTF16LE
	case zeros[0]*10 > half*7 && zeros[1]*50 < half:
		return UTF16BE
	}
	return Auto
}

// windows1252Head says whether head reads as Windows-1252: it has bytes
// that are not UTF-8 and no UTF-8 sequence of more than one byte. A head
// with both is UTF-8 with stray bytes (files pasted together), which the
// Windows-1252 fallback reads better than Windows-1252 would ("Ã¼" for an
// "ü" written in UTF-8). cut says that head was cut off, so a sequence cut
// in half at its end does not count.
func windows1252Head(head []byte, cut bool) bool {
	invalid := false
	for i := 0; i < len(head); {
		if head[i] < utf8.RuneSelf {
			i++
			continue
		}
		if cut && !utf8.FullRune(head[i:]) {
			break
		}
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			invalid = true
		} else {
			return false
		}
		i += size
	}
	return invalid
}

// decoder returns r decoded from e to UTF-8, and for Auto the fallback that
// counts the bytes it read as Windows-1252.
func decoder(r io.Reader, e Encoding) (io.Reader, *utf8Fallback) {
	switch e {
	case Windows1252:
		return transform.NewReader(r, charmap.Windows1252.NewDecoder()), nil
	case UTF16LE:
		return transform.NewReader(r, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), nil
	case UTF16BE:
		return transform.NewReader(r, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()), nil
	case Auto:
		f := new(utf8Fallback)
		return transform.NewReader(r, f), f
	}
	return r, nil
}

// utf8Fallback passes UTF-8 through and reads each byte that is not part
// of a UTF-8 sequence as Windows-1252: a file that is UTF-8 in its first
// 64 KiB may still hold an "é" of a Windows program further on (files get
// pasted together), and rejecting that row would be the wrong answer.
// Windows-1252 text that happens to form a UTF-8 sequence ("Ã©") is read
// as UTF-8; in names and remarks that does not occur.
type utf8Fallback struct {
	n         int // bytes read as Windows-1252
	firstLine int // the line of the first of them
	lines     int // line breaks passed before the first of them
}

func (f *utf8Fallback) Reset() {}

func (f *utf8Fallback) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		// Copy a run of ASCII at once: most of most files.
		end := nSrc
		for end < len(src) && src[end] < utf8.RuneSelf && end-nSrc < len(dst)-nDst {
			end++
		}
		if end > nSrc {
			if f.n == 0 {
				f.lines += bytes.Count(src[nSrc:end], []byte{'\n'})
			}
			nDst += copy(dst[nDst:], src[nSrc:end])
			nSrc = end
			continue
		}
		if src[nSrc] < utf8.RuneSelf { // no room in dst
			return nDst, nSrc, transform.ErrShortDst
		}
		if !atEOF && !utf8.FullRune(src[nSrc:]) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size == 1 {
			r = charmap.Windows1252.DecodeByte(src[nSrc])
			if f.n == 0 {
				f.firstLine = f.lines + 1
			}
			f.n++
		}
		if utf8.RuneLen(r) > len(dst)-nDst {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, nil
}
