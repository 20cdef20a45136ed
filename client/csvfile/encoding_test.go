package csvfile

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
)

// utf16Bytes encodes s as UTF-16, little- or big-endian, with bom first.
func utf16Bytes(s string, big bool, bom bool) string {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if big {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return string(out)
}

// The export a Dutch Excel writes ("CSV (gescheiden door lijstscheidingsteken)"):
// ';' and Windows-1252.
const cp1252Export = "patientnummer;naam;opmerking\r\nA1;M\xfcller;caf\xe9 \x80 5\r\nA2;Jansen;na\xefef\r\n"

func TestEncodings(t *testing.T) {
	wantRows := [][]string{{"A1", "Müller", "café € 5"}, {"A2", "Jansen", "naïef"}}
	text := "patientnummer;naam;opmerking\r\nA1;Müller;café € 5\r\nA2;Jansen;naïef\r\n"
	tests := []struct {
		name  string
		input string
		given Encoding
		enc   Encoding
		note  string // the start of the note, if there is one
	}{
		{"Windows-1252 detected", cp1252Export, Auto, Windows1252, "BW-001: the file is Windows-1252 text (detected)"},
		{"Windows-1252 given", cp1252Export, Windows1252, Windows1252, "BW-001: the file is Windows-1252 text (as -encoding says)"},
		{"UTF-8 with BOM", "\xEF\xBB\xBF" + text, Auto, Auto, ""},
		{"UTF-8", text, Auto, Auto, ""},
		{"UTF-8 given", text, UTF8, UTF8, ""},
		{"UTF-16LE with BOM", utf16Bytes(text, false, true), Auto, UTF16LE, "BW-001: the file is UTF-16LE text (detected)"},
		{"UTF-16BE with BOM", utf16Bytes(text, true, true), Auto, UTF16BE, "BW-001: the file is UTF-16BE text (detected)"},
		{"UTF-16LE without BOM", utf16Bytes(text, false, false), Auto, UTF16LE, "BW-001"},
		{"UTF-16BE without BOM", utf16Bytes(text, true, false), Auto, UTF16BE, "BW-001"},
		{"UTF-16 given, BOM says big-endian", utf16Bytes(text, true, true), UTF16LE, UTF16LE, "BW-001: the file is UTF-16LE text (as -encoding says)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time, so every sequence is cut somewhere.
			r, err := NewReader(iotest.OneByteReader(strings.NewReader(tt.input)), Options{Encoding: tt.given})
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != tt.enc || r.Comma() != ';' {
				t.Errorf("encoding %v, comma %q; want %v, ';'", r.Encoding(), r.Comma(), tt.enc)
			}
			if want := []string{"patientnummer", "naam", "opmerking"}; !reflect.DeepEqual(r.Header(), want) {
				t.Errorf("header %q, want %q", r.Header(), want)
			}
			for i, want := range wantRows {
				row, err := r.Next()
				if err != nil || row.Problem != nil || row.NotUTF8 != nil || !reflect.DeepEqual(row.Fields, want) {
					t.Fatalf("row %d: %q (problem %v, not UTF-8 %v), %v; want %q", i+1, row.Fields, row.Problem, row.NotUTF8, err, want)
				}
			}
			if _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("after the rows: %v", err)
			}
			notes := r.Notes()
			if tt.note == "" {
				if len(notes) != 0 {
					t.Errorf("notes %v, want none", notes)
				}
				return
			}
			if len(notes) != 1 || !strings.HasPrefix(notes[0].Code+": "+notes[0].Message, tt.note) {
				t.Errorf("notes %v, want one starting %q", notes, tt.note)
			}
		})
	}
}

// A file that is UTF-8 (or plain ASCII) in its first 64 KiB and has a
// Windows-1252 byte further on: that row is read as written, not rejected,
// and the file gets one note naming the count and the first line.
func TestWindows1252AfterTheHead(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,naam,opmerking\n")
	for i := range 8000 {
		b.WriteString("1,Jansen,ok\n")
		if i == 7000 {
			b.WriteString("2,M\xfcller,caf\xe9\n") // line 7003, beyond the first 64 KiB
		}
	}
	b.WriteString("3,Öztürk,utf-8 \xe9\n")
	r, err := NewReader(strings.NewReader(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || row.Problem != nil || row.NotUTF8 != nil {
			t.Fatalf("row %d: %v %v %v", row.Number, err, row.Problem, row.NotUTF8)
		}
		if row.Fields[0] != "1" {
			got = append(got, row.Fields)
		}
	}
	want := [][]string{{"2", "Müller", "café"}, {"3", "Öztürk", "utf-8 é"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	notes := r.Notes()
	if len(notes) != 1 || notes[0].Code != CodeMixedEncoding || notes[0].Line != 7003 ||
		!strings.Contains(notes[0].Message, "3 bytes are not") {
		t.Errorf("notes %+v, want one BW-002 at line 7003 counting 3 bytes", notes)
	}
}

// A file with UTF-8 and Windows-1252 in its first lines (pasted together):
// each read as what it is, and one note.
func TestMixedHead(t *testing.T) {
	r, err := NewReader(strings.NewReader("naam\nÖztürk\nM\xfcller\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		row, err := r.Next()
		if err != nil {
			break
		}
		got = append(got, row.Fields[0])
	}
	if want := []string{"Öztürk", "Müller"}; r.Encoding() != Auto || !reflect.DeepEqual(got, want) {
		t.Errorf("read %q as %v, want %q as UTF-8 with the fallback", got, r.Encoding(), want)
	}
	if n := r.Notes(); len(n) != 1 || n[0].Code != CodeMixedEncoding || n[0].Line != 3 {
		t.Errorf("notes %+v, want BW-002 at line 3", n)
	}
}

// A UTF-8 sequence cut in half by the 64 KiB look-ahead does not make the
// file Windows-1252.
func TestUTF8CutAtTheHead(t *testing.T) {
	line := "a,ü\n" // 5 bytes
	input := "h1,h2\n" + strings.Repeat(line, bufSize/len(line)+10)
	for shift := range 4 {
		in := strings.Repeat("x", shift) + input
		r, err := NewReader(strings.NewReader(in), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Encoding() != Auto {
			t.Errorf("shift %d: read as %v", shift, r.Encoding())
		}
	}
}

// Strict UTF-8 marks the fields that are not, and leaves the bytes.
func TestStrictUTF8MarksFields(t *testing.T) {
	r, err := NewReader(strings.NewReader("a,b,c\nJos\xe9,ok,\xff\xfe\n"), Options{Encoding: UTF8})
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.Next()
	if err != nil || row.Problem != nil || !reflect.DeepEqual(row.NotUTF8, []int{0, 2}) || row.Fields[0] != "Jos\xe9" {
		t.Fatalf("row %q problem %v not UTF-8 %v, %v; want fields 0 and 2 marked", row.Fields, row.Problem, row.NotUTF8, err)
	}
	if len(r.Notes()) != 0 {
		t.Errorf("notes %v", r.Notes())
	}
}

func TestParseEncoding(t *testing.T) {
	for name, want := range map[string]Encoding{
		"": Auto, "auto": Auto, "UTF-8": UTF8, "utf8": UTF8, "cp1252": Windows1252, "Latin1": Windows1252,
		"ansi": Windows1252, "iso-8859-1": Windows1252, "utf-16": UTF16LE, "UTF-16LE": UTF16LE, "utf-16be": UTF16BE,
	} {
		if got, err := ParseEncoding(name); err != nil || got != want {
			t.Errorf("ParseEncoding(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := ParseEncoding("ebcdic"); err == nil || !strings.Contains(err.Error(), "known: auto, utf-8") {
		t.Errorf("ParseEncoding(ebcdic): %v", err)
	}
}

// Notes name counts and lines, never what is in a cell.
func TestNotesHoldNoCellContent(t *testing.T) {
	const secret = "999999990Pi\xebtersen"
	for _, in := range []string{
		"bsn,naam\n1," + secret + "\n",
		"bsn,naam\n" + strings.Repeat("1,2\n", 20000) + "1," + secret + "\n",
		utf16Bytes("bsn,naam\n1,999999990Piëtersen\n", false, true),
	} {
		r, err := NewReader(strings.NewReader(in), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		if len(r.Notes()) == 0 {
			t.Errorf("no note for %.20q", in)
		}
		for _, n := range r.Notes() {
			if strings.Contains(n.Message, "99999") || strings.Contains(n.Message, "tersen") {
				t.Errorf("note leaks cell content: %s", n.Message)
			}
		}
	}
}
