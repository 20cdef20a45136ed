package auditreport

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// csvHeader is the CSV's header: one row per record after it.
var csvHeader = []string{"seq", "time", "request", "action", "outcome", "principal", "organisation", "domain",
	"key_version", "records", "accepted", "rejected", "pseudonyms", "detail"}

// WriteCSV writes the report's records, one a row.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	for _, e := range r.Events {
		row := []string{strconv.FormatUint(e.Seq, 10), e.Time.Format(time.RFC3339Nano), num(int64(e.Request)),
			text(e.Action), text(e.Outcome), text(e.Principal), text(e.Organisation), text(e.Domain),
			num(int64(e.KeyVersion)), num(e.Records), num(e.Accepted), num(e.Rejected), num(e.Pseudonyms), text(e.Detail)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// text is a text cell that a spreadsheet will not take for a formula: text
// in a record can come from a caller (a domain name, a refusal quoting what
// was sent), and a cell that starts as a formula would run as one (CSV
// injection); a leading ' keeps it text, as OWASP recommends.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteJSON writes the whole report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteSummary writes what the report covers, how it was proved, and its
// totals, for a person.
func (r *Report) WriteSummary(w io.Writer) error {
	what := "the log"
	if r.Request != 0 {
		what = fmt.Sprintf("request %d", r.Request)
	}
	if r.From != nil {
		what += " from " + r.From.Format(time.RFC3339)
	}
	if r.To != nil {
		what += " until " + r.To.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "report of %s: %d records\n", what, len(r.Events))
	if r.TreeSize > 0 {
		fmt.Fprintf(w, "  proved: records %d..%d of log %s (%d records, root %s), none left out\n", r.First, r.Last, r.Log, r.TreeSize, r.Root)
	}
	if r.Kept != nil {
		fmt.Fprintf(w, "  consistent with the kept checkpoint %s (%d records)\n", r.Kept.File, r.Kept.Size)
	} else {
		fmt.Fprintf(w, "  not checked against a kept checkpoint (-checkpoint FILE): a log rewritten whole would pass\n")
	}
	if len(r.Totals) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ACTION\tOUTCOME\tCOUNT\tRECORDS\tACCEPTED\tREJECTED\tPSEUDONYMS\tKEY VERSIONS")
	for _, t := range r.Totals {
		vs := make([]string, len(t.KeyVersions))
		for i, v := range t.KeyVersions {
			vs[i] = strconv.FormatUint(uint64(v), 10)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", t.Action, t.Outcome, t.Count, t.Records, t.Accepted, t.Rejected, t.Pseudonyms, strings.Join(vs, ","))
	}
	return tw.Flush()
}
