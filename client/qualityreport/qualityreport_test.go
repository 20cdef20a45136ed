package qualityreport

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
)

func TestDutchForEveryCode(t *testing.T) {
	known := map[string]bool{}
	for _, c := range identity.Codes {
		known[string(c.Code)] = true
		if dutchMessages[string(c.Code)] == "" {
			t.Errorf("%s has no Dutch text", c.Code)
		}
	}
	for c := range dutchMessages {
		if !known[c] {
			t.Errorf("Dutch text for %s, which identity.Codes does not have", c)
		}
	}
}

// sampleReport is a run over a Windows-1252 file: one file note, two
// rejected records, two warnings (one on a rejected record).
func sampleReport(t *testing.T) (*client.Report, client.Summary) {
	rep, err := client.NewReport()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	rep.SetInput(';', csvfile.Windows1252)
	rep.Add(client.ReportLine{Row: 6, Line: 8, Column: "bsn", Field: "bsn", Code: "F-103", Message: "BSN fails the 11-check (elfproef)"})
	rep.Add(client.ReportLine{Row: 7, Line: 9, Column: "bsn", Field: "bsn", Code: "W-901", Message: "value missing"})
	rep.Add(client.ReportLine{Row: 7, Line: 9, Column: "geboortedatum", Field: "birth_date", Code: "F-302", Message: "birth date does not exist in the calendar"})
	rep.Add(client.ReportLine{Row: 8, Line: 10, Column: "bsn", Field: "bsn", Code: "W-101", Message: "BSN had 8 digits and was padded with a leading zero"})
	rep.Add(client.ReportLine{Code: "BW-001", Message: "the file is Windows-1252 text (detected), not UTF-8; ..."})
	return rep, client.Summary{Records: 8, Accepted: 6, Rejected: 2, Warnings: 3, KeyVersion: 1}
}

var sampleRun = Run{
	Time: time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC), Tool: "ttp v1.0.0", Institution: "hospital (UMC X)",
	Input: "export.csv", Mode: "code", Domain: "nkr",
}

func readCSV(t *testing.T, path string) (rune, [][]string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{r.Header()}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Comma(), rows
		}
		if err != nil || row.Problem != nil {
			t.Fatalf("%v %v", err, row.Problem)
		}
		rows = append(rows, row.Fields)
	}
}

func TestCSV(t *testing.T) {
	for _, tt := range []struct {
		lang Lang
		want []string // lines, the cells joined by |
	}{
		{English, []string{
			"section|item|value|row|line|column|field|code|severity|message",
			"run|time|2026-12-01T10:30:00Z|||||||",
			"run|tool|ttp v1.0.0 (GO)|||||||",
			"run|institution|hospital (UMC X)|||||||",
			"run|input|export.csv|||||||",
			"run|mode|code|||||||",
			"run|domain|nkr|||||||",
			"run|key version|1|||||||",
			"run|encoding|Windows-1252|||||||",
			"run|separator|semicolon|||||||",
			"run|status|completed|||||||",
			"total|records|8|||||||",
			"total|accepted|6|||||||",
			"total|rejected|2|||||||",
			"total|warnings|3|||||||",
			"total|problems|5|||||||",
			"code|BW-001|1|||||BW-001|file warning|file is not UTF-8 but Windows-1252 or UTF-16: it was read as such, and the output is UTF-8",
			"code|F-103|1|||||F-103|record rejected|BSN fails the 11-check (elfproef)",
			"code|F-302|1|||||F-302|record rejected|birth date does not exist in the calendar",
			"code|W-101|1|||||W-101|warning|BSN had 8 digits and was padded with a leading zero",
			"code|W-901|1|||||W-901|warning|value missing",
			"field|birth_date|1|||geboortedatum|birth_date|||",
			"field|bsn|3|||bsn|bsn|||",
			"problem|||||||BW-001|file warning|the file is Windows-1252 text (detected), not UTF-8; ...",
			"problem|||6|8|bsn|bsn|F-103|record rejected|BSN fails the 11-check (elfproef)",
			"problem|||7|9|bsn|bsn|W-901|warning|value missing",
			"problem|||7|9|geboortedatum|birth_date|F-302|record rejected|birth date does not exist in the calendar",
			"problem|||8|10|bsn|bsn|W-101|warning|BSN had 8 digits and was padded with a leading zero",
		}},
		{Dutch, []string{
			"onderdeel|onderwerp|waarde|rij|regel|kolom|veld|code|ernst|melding",
			"uitvoering|tijdstip|2026-12-01T10:30:00Z|||||||",
			"uitvoering|programma|ttp v1.0.0 (GO)|||||||",
			"uitvoering|instelling|hospital (UMC X)|||||||",
			"uitvoering|invoerbestand|export.csv|||||||",
			"uitvoering|opdracht|code|||||||",
			"uitvoering|domein|nkr|||||||",
			"uitvoering|sleutelversie|1|||||||",
			"uitvoering|tekenset|Windows-1252|||||||",
			"uitvoering|scheidingsteken|puntkomma|||||||",
			"uitvoering|status|voltooid|||||||",
			"totaal|records|8|||||||",
			"totaal|geaccepteerd|6|||||||",
			"totaal|afgekeurd|2|||||||",
			"totaal|waarschuwingen|3|||||||",
			"totaal|meldingen|5|||||||",
			"code|BW-001|1|||||BW-001|waarschuwing bij het bestand|bestand is geen UTF-8 (maar Windows-1252 of UTF-16): het is zo gelezen, en de uitvoer is UTF-8",
			"code|F-103|1|||||F-103|record afgekeurd|BSN voldoet niet aan de elfproef",
			"code|F-302|1|||||F-302|record afgekeurd|geboortedatum bestaat niet in de kalender",
			"code|W-101|1|||||W-101|waarschuwing|BSN had 8 cijfers en is aangevuld met een voorloopnul",
			"code|W-901|1|||||W-901|waarschuwing|waarde ontbreekt",
			"veld|birth_date|1|||geboortedatum|birth_date|||",
			"veld|bsn|3|||bsn|bsn|||",
			"melding|||||||BW-001|waarschuwing bij het bestand|bestand is geen UTF-8 (maar Windows-1252 of UTF-16): het is zo gelezen, en de uitvoer is UTF-8",
			"melding|||6|8|bsn|bsn|F-103|record afgekeurd|BSN voldoet niet aan de elfproef",
			"melding|||7|9|bsn|bsn|W-901|waarschuwing|waarde ontbreekt",
			"melding|||7|9|geboortedatum|birth_date|F-302|record afgekeurd|geboortedatum bestaat niet in de kalender",
			"melding|||8|10|bsn|bsn|W-101|waarschuwing|BSN had 8 cijfers en is aangevuld met een voorloopnul",
		}},
	} {
		t.Run(string(tt.lang), func(t *testing.T) {
			rep, sum := sampleReport(t)
			path := filepath.Join(t.TempDir(), "export.report.csv")
			run := sampleRun
			run.Lang = tt.lang
			if err := Write(path, run, sum, rep); err != nil {
				t.Fatal(err)
			}
			comma, rows := readCSV(t, path)
			if comma != ';' {
				t.Errorf("separator %q, want the input's ';'", comma)
			}
			var got []string
			for _, r := range rows {
				got = append(got, strings.ReplaceAll(strings.Join(r, "|"), " ("+goVersion()+")", " (GO)"))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if _, err := os.Stat(path + ".partial"); !os.IsNotExist(err) {
				t.Errorf("side file left: %v", err)
			}
		})
	}
}

// The workbook, opened again with excelize, cell by cell.
func TestXLSX(t *testing.T) {
	rep, sum := sampleReport(t)
	path := filepath.Join(t.TempDir(), "export.report.xlsx")
	run := sampleRun
	run.Lang = Dutch
	if err := Write(path, run, sum, rep); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Samenvatting", "Meldingen"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	for cell, want := range map[string]string{
		"A1": "ttp-kwaliteitsrapport",
		"A3": "tijdstip", "B3": "2026-12-01T10:30:00Z",
		"A5": "instelling", "B5": "hospital (UMC X)",
		"A10": "tekenset", "B10": "Windows-1252",
		"A12": "status", "B12": "voltooid",
		"A14": "records", "B14": "8",
		"A16": "afgekeurd", "B16": "2",
		"A20": "code", "B20": "ernst", "C20": "aantal", "D20": "melding",
		"A21": "BW-001", "C21": "1",
		"A22": "F-103", "B22": "record afgekeurd", "C22": "1", "D22": "BSN voldoet niet aan de elfproef",
		"A27": "veld", "B27": "kolom", "C27": "aantal",
		"A29": "bsn", "B29": "bsn", "C29": "3",
	} {
		if got, err := f.GetCellValue("Samenvatting", cell); err != nil || got != want {
			t.Errorf("Samenvatting!%s = %q (%v), want %q", cell, got, err, want)
		}
	}
	// Counts are numbers, not text, so that a spreadsheet can add them.
	if typ, err := f.GetCellType("Samenvatting", "B14"); err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("B14 has type %v (%v), want a number", typ, err)
	}
	rows, err := f.GetRows("Meldingen")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"rij", "regel", "kolom", "veld", "code", "ernst", "melding"},
		{"", "", "", "", "BW-001", "waarschuwing bij het bestand", "bestand is geen UTF-8 (maar Windows-1252 of UTF-16): het is zo gelezen, en de uitvoer is UTF-8"},
		{"6", "8", "bsn", "bsn", "F-103", "record afgekeurd", "BSN voldoet niet aan de elfproef"},
		{"7", "9", "bsn", "bsn", "W-901", "waarschuwing", "waarde ontbreekt"},
		{"7", "9", "geboortedatum", "birth_date", "F-302", "record afgekeurd", "geboortedatum bestaat niet in de kalender"},
		{"8", "10", "bsn", "bsn", "W-101", "waarschuwing", "BSN had 8 cijfers en is aangevuld met een voorloopnul"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("Meldingen:\n%q\nwant\n%q", rows, want)
	}
}

// A report written over an earlier one replaces it whole; one that cannot
// be written leaves the earlier one as it was.
func TestWriteIsAllOrNothing(t *testing.T) {
	rep, sum := sampleReport(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "r.csv")
	if err := os.WriteFile(path, []byte("earlier\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The side file's name is taken by a directory: the write fails.
	if err := os.Mkdir(path+".partial", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, sampleRun, sum, rep); err == nil {
		t.Fatal("Write succeeded with its side file's name taken")
	}
	if b, _ := os.ReadFile(path); string(b) != "earlier\n" {
		t.Errorf("the earlier report was changed: %q", b)
	}
}

func goVersion() string { return runtime.Version() }
