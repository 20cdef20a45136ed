package csvfile

import (
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// result is everything a Reader produced for one input.
type result struct {
	header []string
	comma  rune
	rows   []Row
	err    error // from NewReader or from Next; io.EOF is not kept
}

func readAll(t testing.TB, input string, opts Options) result {
	t.Helper()
	r, err := NewReader(strings.NewReader(input), opts)
	if err != nil {
		return result{err: err}
	}
	res := result{header: r.Header(), comma: r.Comma()}
	for {
		row, err := r.Next()
		if err == io.EOF {
			if r.BytesRead() != int64(len(input)) {
				t.Errorf("BytesRead at EOF = %d, want %d", r.BytesRead(), len(input))
			}
			return res
		}
		if err != nil {
			res.err = err
			return res
		}
		res.rows = append(res.rows, row)
	}
}

// want describes a row briefly: fields, line, and problem code if any.
type wantRow struct {
	line    int
	fields  []string
	problem string
}

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		opts    Options
		comma   rune
		header  []string
		rows    []wantRow
		errCode string // file-level error expected (from NewReader or Next)
		errLine int
	}{
		{
			name:   "comma",
			input:  "bsn,name,age\n123,Jansen,40\n456,De Vries,51\n",
			comma:  ',',
			header: []string{"bsn", "name", "age"},
			rows:   []wantRow{{2, []string{"123", "Jansen", "40"}, ""}, {3, []string{"456", "De Vries", "51"}, ""}},
		},
		{
			name:   "semicolon, as Dutch Excel writes it",
			input:  "BSN;Achternaam;Bedrag\n123;Jansen;1,50\n",
			comma:  ';',
			header: []string{"BSN", "Achternaam", "Bedrag"},
			rows:   []wantRow{{2, []string{"123", "Jansen", "1,50"}, ""}},
		},
		{
			name:   "tab",
			input:  "a\tb\n1\t2\n",
			comma:  '\t',
			header: []string{"a", "b"},
			rows:   []wantRow{{2, []string{"1", "2"}, ""}},
		},
		{
			name:   "separators inside quotes do not count for detection",
			input:  "\"a;b;c\",d\n1,2\n",
			comma:  ',',
			header: []string{"a;b;c", "d"},
			rows:   []wantRow{{2, []string{"1", "2"}, ""}},
		},
		{
			name:   "tie goes to comma",
			input:  "a;b,c\n1;2,3\n",
			comma:  ',',
			header: []string{"a;b", "c"},
			rows:   []wantRow{{2, []string{"1;2", "3"}, ""}},
		},
		{
			name:   "one column",
			input:  "bsn\n123\n\n456\n",
			comma:  ',',
			header: []string{"bsn"},
			rows:   []wantRow{{2, []string{"123"}, ""}, {4, []string{"456"}, ""}},
		},
		{
			name:   "explicit separator overrides detection",
			input:  "a,b;c\n1,2;3\n",
			opts:   Options{Comma: ';'},
			comma:  ';',
			header: []string{"a,b", "c"},
			rows:   []wantRow{{2, []string{"1,2", "3"}, ""}},
		},
		{
			name:   "quoted fields with separators, quotes and newlines",
			input:  "id,note,x\n1,\"a, b\",\"say \"\"hi\"\"\"\n2,\"line one\nline two\nline three\",z\n3,plain,y\n",
			comma:  ',',
			header: []string{"id", "note", "x"},
			rows: []wantRow{
				{2, []string{"1", "a, b", `say "hi"`}, ""},
				{3, []string{"2", "line one\nline two\nline three", "z"}, ""},
				{6, []string{"3", "plain", "y"}, ""},
			},
		},
		{
			name:   "BOM is stripped",
			input:  "\xEF\xBB\xBFbsn;naam\n1;a\n",
			comma:  ';',
			header: []string{"bsn", "naam"},
			rows:   []wantRow{{2, []string{"1", "a"}, ""}},
		},
		{
			name:   "CRLF line ends",
			input:  "bsn,naam\r\n1,a\r\n2,\"b\r\nc\"\r\n3,d\r\n",
			comma:  ',',
			header: []string{"bsn", "naam"},
			rows:   []wantRow{{2, []string{"1", "a"}, ""}, {3, []string{"2", "b\nc"}, ""}, {5, []string{"3", "d"}, ""}},
		},
		{
			name:   "no newline at the end, empty trailing lines skipped",
			input:  "a,b\n1,2\n\n\n3,4",
			comma:  ',',
			header: []string{"a", "b"},
			rows:   []wantRow{{2, []string{"1", "2"}, ""}, {5, []string{"3", "4"}, ""}},
		},
		{
			name:   "header names are trimmed, data is not",
			input:  " bsn , naam \n 1 , a \n",
			comma:  ',',
			header: []string{"bsn", "naam"},
			rows:   []wantRow{{2, []string{" 1 ", " a "}, ""}},
		},
		{
			name:   "empty column names are allowed and not duplicates",
			input:  "a;b;;\n1;2;;\n",
			comma:  ';',
			header: []string{"a", "b", "", ""},
			rows:   []wantRow{{2, []string{"1", "2", "", ""}, ""}},
		},
		{
			name:   "ragged rows are F-902 and reading goes on",
			input:  "a,b,c\n1,2,3\n1,2\n\"x\ny\",2,3,4\n7,8,9\n",
			comma:  ',',
			header: []string{"a", "b", "c"},
			rows: []wantRow{
				{2, []string{"1", "2", "3"}, ""},
				{3, []string{"1", "2"}, "F-902"},
				{4, []string{"x\ny", "2", "3", "4"}, "F-902"},
				{6, []string{"7", "8", "9"}, ""},
			},
		},
		{
			name:   "whitespace-only line is a row, not skipped",
			input:  "a,b\n1,2\n   \n3,4\n",
			comma:  ',',
			header: []string{"a", "b"},
			rows:   []wantRow{{2, []string{"1", "2"}, ""}, {3, []string{"   "}, "F-902"}, {4, []string{"3", "4"}, ""}},
		},
		{
			name:   "a Windows-1252 byte is read as its letter, no problem",
			input:  "bsn;naam\n1;Jos\xE9\n2;Jose\n",
			comma:  ';',
			header: []string{"bsn", "naam"},
			rows:   []wantRow{{2, []string{"1", "José"}, ""}, {3, []string{"2", "Jose"}, ""}},
		},
		{
			name:   "strict UTF-8: the bytes as they are, and no row problem (the caller decides)",
			input:  "bsn;naam\n1;Jos\xE9\n2;Jose\n",
			opts:   Options{Encoding: UTF8},
			comma:  ';',
			header: []string{"bsn", "naam"},
			rows:   []wantRow{{2, []string{"1", "Jos\xE9"}, ""}, {3, []string{"2", "Jose"}, ""}},
		},
		{
			name:    "unclosed quote is BF-002 at the line where it opened",
			input:   "a,b\n1,2\n3,\"open\n4,5\n6,7\n",
			header:  []string{"a", "b"},
			comma:   ',',
			rows:    []wantRow{{2, []string{"1", "2"}, ""}},
			errCode: "BF-002", errLine: 3,
		},
		{
			name:    "bare quote is BF-002",
			input:   "a,b\n1,2\n3,4\n5,ab\"c\n",
			header:  []string{"a", "b"},
			comma:   ',',
			rows:    []wantRow{{2, []string{"1", "2"}, ""}, {3, []string{"3", "4"}, ""}},
			errCode: "BF-002", errLine: 4,
		},
		{
			name:    "text after closing quote is BF-002",
			input:   "a,b\n\"x\"y,2\n",
			header:  []string{"a", "b"},
			comma:   ',',
			errCode: "BF-002", errLine: 2,
		},
		{name: "broken quoting in the header", input: "\"a,b\n1,2\n", errCode: "BF-002", errLine: 1},
		{name: "empty file", input: "", errCode: "BF-003", errLine: 1},
		{name: "only a BOM", input: "\xEF\xBB\xBF", errCode: "BF-003", errLine: 1},
		{name: "first line empty", input: "\na,b\n1,2\n", errCode: "BF-003", errLine: 1},
		{name: "first line empty, CRLF", input: "\r\na,b\r\n", errCode: "BF-003", errLine: 1},
		{name: "first line blank", input: "  \na,b\n", errCode: "BF-003", errLine: 1},
		{name: "duplicate column", input: "bsn,naam,BSN\n1,2,3\n", errCode: "BF-004", errLine: 1},
		{name: "duplicate column after trimming", input: "bsn; bsn\n", errCode: "BF-004", errLine: 1},
		{name: "NUL bytes", input: "a,b\n1\x00,2\n", errCode: "BF-001"},
		{name: "PNG", input: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", errCode: "BF-001"},
		{name: "xlsx", input: "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", errCode: "BF-001"},
		{name: "UTF-16 with BOM is read", input: "\xFF\xFEa\x00,\x00b\x00\n\x00", comma: ',', header: []string{"a", "b"}},
		{name: "UTF-16 that is binary", input: "\xFF\xFE\x00\x00\x00\x00\x01\x00,\x00b\x00\n\x00", errCode: "BF-001"},
		{name: "control characters", input: "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11,a\n", errCode: "BF-001"},
		{name: "random bytes", input: randomBytes(1, 4096), errCode: "BF-001"},
		{name: "random bytes, short", input: randomBytes(2, 100), errCode: "BF-001"},
		{
			name:    "NUL byte after the first 4 KiB",
			input:   "a,b\n" + strings.Repeat("1,2\n", 2000) + "3,\"x\ny\x00\"\n",
			header:  []string{"a", "b"},
			comma:   ',',
			rows:    manyRows(2000),
			errCode: "BF-001", errLine: 2003,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readAll(t, tt.input, tt.opts)
			checkErr(t, res.err, tt.errCode, tt.errLine)
			if tt.header == nil && res.header == nil {
				return
			}
			if res.comma != tt.comma {
				t.Errorf("comma = %q, want %q", res.comma, tt.comma)
			}
			if !reflect.DeepEqual(res.header, tt.header) {
				t.Errorf("header = %q, want %q", res.header, tt.header)
			}
			if len(res.rows) != len(tt.rows) {
				t.Fatalf("got %d rows, want %d: %+v", len(res.rows), len(tt.rows), res.rows)
			}
			for i, got := range res.rows {
				want := tt.rows[i]
				code := ""
				if got.Problem != nil {
					code = got.Problem.Code
				}
				if got.Number != i+1 || got.Line != want.line || code != want.problem ||
					!reflect.DeepEqual(got.Fields, want.fields) {
					t.Errorf("row %d = {Number %d Line %d Fields %q Problem %q}, want {Number %d Line %d Fields %q Problem %q}",
						i, got.Number, got.Line, got.Fields, code, i+1, want.line, want.fields, want.problem)
				}
			}
		})
	}
}

func checkErr(t *testing.T, err error, code string, line int) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v, want *FileError %s", err, code)
	}
	if fe.Code != code || (line != 0 && fe.Line != line) {
		t.Fatalf("error = %v, want code %s line %d", err, code, line)
	}
}

func randomBytes(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return string(b)
}

func manyRows(n int) []wantRow {
	rows := make([]wantRow, n)
	for i := range rows {
		rows[i] = wantRow{i + 2, []string{"1", "2"}, ""}
	}
	return rows
}

// A file-level error is sticky: the reader does not limp on after it.
func TestNextAfterFileError(t *testing.T) {
	r, err := NewReader(strings.NewReader("a,b\n\"x,1\n2,3\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Fatalf("Next after error = %v, then %v; want the same error twice", err1, err2)
	}
}

func TestColumn(t *testing.T) {
	r, err := NewReader(strings.NewReader("BSN;Achternaam;bsn_moeder;;\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		idx  int
		ok   bool
	}{
		{"BSN", 0, true},
		{"bsn", 0, true},
		{"achternaam", 1, true},
		{" Achternaam ", 1, true},
		{"bsn_moeder", 2, true},
		{"BSN_MOEDER", 2, true},
		{"voornaam", 0, false},
		{"", 0, false},
	} {
		idx, ok := r.Column(tt.name)
		if idx != tt.idx || ok != tt.ok {
			t.Errorf("Column(%q) = %d, %v; want %d, %v", tt.name, idx, ok, tt.idx, tt.ok)
		}
	}
}

func TestInvalidSeparatorOption(t *testing.T) {
	for _, c := range []rune{'"', '\n', '\r', 0xFFFD} {
		if _, err := NewReader(strings.NewReader("a,b\n"), Options{Comma: c}); err == nil {
			t.Errorf("Comma %q accepted", c)
		}
	}
}

// Messages end up in logs and quality reports: they must never carry what
// is in a cell, whatever went wrong with it.
func TestMessagesHoldNoCellContent(t *testing.T) {
	const secret = "999999990Pietersen"
	inputs := []string{
		"bsn,naam\n" + secret + "\n",                   // F-902
		"bsn,naam\n1,\"" + secret + "\n",               // BF-002 unclosed
		"bsn,naam\n1," + secret + "\"x\n",              // BF-002 bare quote
		"bsn,naam\n1,\"" + secret + "\"x\n",            // BF-002 after closing quote
		secret + "," + secret + "\n1,2\n",              // BF-004: a headerless file
		"bsn,naam\n1,\"" + secret + "\x00\"\n",         // BF-001 later
		secret + "\x00\n",                              // BF-001 up front
		"bsn,naam\n" + secret + "," + secret + ",x\n",  // F-902, more fields
		"a;b\n" + strings.Repeat("1;2\n", 3) + secret,  // F-902 on the last line
		"\"" + secret + "\"\"" + secret + "\"x\n1,2\n", // BF-002 in the header
	}
	for _, in := range inputs {
		res := readAll(t, in, Options{})
		var msgs []string
		if res.err != nil {
			msgs = append(msgs, res.err.Error())
		}
		for _, row := range res.rows {
			if row.Problem != nil {
				msgs = append(msgs, row.Problem.String())
			}
		}
		if len(msgs) == 0 {
			t.Errorf("input %q: expected a problem or error", in)
		}
		for _, m := range msgs {
			if strings.Contains(m, secret) || strings.Contains(m, "Pietersen") || strings.Contains(m, "999999990") {
				t.Errorf("message leaks cell content: %s", m)
			}
		}
	}
}

func TestMissingColumn(t *testing.T) {
	err := error(MissingColumn("Achternaam"))
	var fe *FileError
	if !errors.As(err, &fe) || fe.Code != "BF-005" || !strings.Contains(err.Error(), `"Achternaam"`) {
		t.Fatalf("MissingColumn = %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	res := readAll(t, "a,b\n"+strings.Repeat("1,2\n", 15)+"3,\"x\n", Options{})
	if got := res.err.Error(); !strings.HasPrefix(got, "BF-002 line 17: broken quoting: ") {
		t.Fatalf("Error() = %q", got)
	}
}

func TestBytesReadProgresses(t *testing.T) {
	input := "a,b\n" + strings.Repeat("1234567890,abcdefghij\n", 20000)
	r, err := NewReader(strings.NewReader(input), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if n := r.BytesRead(); n < last || n > int64(len(input)) {
			t.Fatalf("BytesRead went from %d to %d (input %d)", last, n, len(input))
		} else {
			last = n
		}
	}
	if last == 0 || r.BytesRead() != int64(len(input)) {
		t.Fatalf("BytesRead = %d (last %d), want %d", r.BytesRead(), last, len(input))
	}
}
