package auditreport

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/ttpnl/ttp/client/auditlog"
)

// A committee member opens the CSV in a spreadsheet. Text in a record can
// come from a caller (a domain name, a refusal's message quoting what was
// sent): a cell that starts as a formula would run as one (CSV injection).
// Such cells are written with a leading ' so that they stay text.
func TestCSVCellsNeverFormulas(t *testing.T) {
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := &Report{Events: []auditlog.Record{{
		Seq: 7, Time: when, Principal: "+registry", Organisation: "@org", Action: "ConvertStream", Outcome: "refused",
		Domain: "=HYPERLINK(\"http://x\")", Detail: "-2+3", Request: 1,
	}, {
		Seq: 8, Time: when, Principal: "committee", Action: "ApproveLinkageRequest", Outcome: "ok", Detail: "request 1 (approved): ok", Request: 1,
	}}}
	var b bytes.Buffer
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("rows %q", rows)
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s: %q would be a formula", csvHeader[i], cell)
			}
		}
	}
	if got := rows[1][7]; got != `'=HYPERLINK("http://x")` {
		t.Errorf("domain written as %q", got)
	}
	if got := rows[2][13]; got != "request 1 (approved): ok" {
		t.Errorf("a plain detail written as %q", got)
	}
}
