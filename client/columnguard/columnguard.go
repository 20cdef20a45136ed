// Package columnguard stops a file whose pass-through columns hold
// identifiers. ttp code and ttp link send the mapped columns to the TTP and
// copy every other column into their output unchanged; an identifying
// column the user forgot to map (a BSN, a birth date) would reach the
// registry in clear, without a word. The guard refuses a column whose name
// says it is an identifier, or whose values mostly pass the 11-proef, unless
// the user keeps it on purpose (-keep). It decides before anything is sent.
package columnguard

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
)

// CodeIdentifierColumn is the file error of a pass-through column that holds
// identifiers.
const CodeIdentifierColumn = "BF-006"

// SampleRows is how many data rows the value check looks at before the
// first record is sent. (The name check covers every column.)
const SampleRows = 1000

// Guard watches the values of the columns that pass through unchanged.
type Guard struct {
	header  []string
	watched []*column
}

// column counts, for one pass-through column, the non-empty values seen and
// those that pass the 11-proef (and how many of those differ).
type column struct {
	index        int
	values, bsns int
	distinctBSNs map[string]struct{}
}

// New checks the header of a file whose columns mapped go to the TTP: every
// other column whose name names an identifier is refused, unless it is in
// keep. The Guard it returns watches the values of the columns not refused
// and not kept. keep names columns as the header does (case-insensitive); a
// name that is not in the header, or is mapped, is a mistake.
func New(header []string, mapped []int, keep []string) (*Guard, error) {
	isMapped := make([]bool, len(header))
	for _, c := range mapped {
		isMapped[c] = true
	}
	kept := make([]bool, len(header))
	for _, k := range keep {
		c := indexOf(header, k)
		switch {
		case c < 0:
			// The name comes from the command line, so it may be shown.
			return nil, fmt.Errorf("-keep: column %q is not in the header", k)
		case isMapped[c]:
			return nil, fmt.Errorf("-keep: column %q is mapped: it is replaced, not kept", k)
		}
		kept[c] = true
	}
	g := &Guard{header: header}
	var refused []int
	for c, name := range header {
		switch {
		case isMapped[c] || kept[c]:
		case identifyingName(name):
			refused = append(refused, c)
		default:
			g.watched = append(g.watched, &column{index: c, distinctBSNs: map[string]struct{}{}})
		}
	}
	if len(refused) > 0 {
		return nil, g.refuse(refused, "its name says it holds an identifier", "their names say they hold identifiers")
	}
	return g, nil
}

// Observe counts one data row's values. Call it for the first SampleRows
// rows at most: it keeps the distinct passing values of each column.
func (g *Guard) Observe(fields []string) {
	for _, col := range g.watched {
		if col.index >= len(fields) {
			continue // a short row; the reader reports it
		}
		v := strings.TrimSpace(fields[col.index])
		if v == "" {
			continue
		}
		col.values++
		if bsn, p := identity.ParseBSN(v); p == nil || !p.Fatal() {
			col.bsns++
			col.distinctBSNs[bsn] = struct{}{}
		}
	}
}

// Check refuses the columns observed so far whose values mostly pass the
// 11-proef. One random 9-digit number in 11 passes it, so a column of
// other numbers (lab numbers, order numbers) does not trip it; one value
// repeated (an institution's code) does not either.
func (g *Guard) Check() error {
	var refused []int
	for _, col := range g.watched {
		if col.bsns*2 > col.values && len(col.distinctBSNs)*2 > col.bsns {
			refused = append(refused, col.index)
		}
	}
	if len(refused) > 0 {
		return g.refuse(refused, "most of its values pass the 11-proef: it holds BSNs", "most of their values pass the 11-proef: they hold BSNs")
	}
	return nil
}

// refuse is the file error naming the columns, by number and name, never by
// a value. A header that is itself a number passing the 11-proef is the
// first row of a file without a header: it is a value, and only the column
// number is shown.
func (g *Guard) refuse(cols []int, one, many string) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = "column " + strconv.Itoa(c+1)
		if _, p := identity.ParseBSN(g.header[c]); p != nil && p.Fatal() {
			names[i] += fmt.Sprintf(" (%q)", g.header[c])
		}
	}
	why := one
	if len(cols) > 1 {
		why = many
	}
	return &csvfile.FileError{Code: CodeIdentifierColumn, Line: 1, Message: fmt.Sprintf(
		"%s would pass to the output unchanged, but %s; map such a column (-map), remove it from the file, or pass it on purpose (-keep COLUMN)",
		strings.Join(names, ", "), why)}
}

func indexOf(header []string, name string) int {
	for c, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) {
			return c
		}
	}
	return -1
}

// identifyingName says whether a column name names an identifier: the name
// as a whole, or a run of its words (split at punctuation, spaces, digits
// and camelCase), is one of identifierNames. "Geboorte-datum", "patient_bsn"
// and "DateOfBirth" are; "diagnosedatum" is not.
func identifyingName(name string) bool {
	words := splitWords(name)
	for i := range words {
		run := ""
		for _, w := range words[i:] {
			run += w
			if _, ok := identifierNames[run]; ok {
				return true
			}
		}
	}
	return false
}

// splitWords splits a column name into lower-case words of letters, or of
// digits.
func splitWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case len(cur) > 0 && (unicode.IsDigit(r) != unicode.IsDigit(prev) || unicode.IsUpper(r) && unicode.IsLower(prev)):
			flush()
			cur = append(cur, unicode.ToLower(r))
		default:
			cur = append(cur, unicode.ToLower(r))
		}
		prev = r
	}
	flush()
	return words
}

// identifierNames are column names, written as one lower-case word, that
// name a direct identifier or a strong quasi-identifier, in Dutch and
// English. Sex and a patient number are not listed: the registry takes the
// patient number from the hospital, and sex alone identifies no one.
var identifierNames = setOf(
	// BSN
	"bsn", "burgerservicenummer", "sofinummer", "sofinr", "ssn", "socialsecuritynumber", "nationalid",
	// names
	"naam", "name", "achternaam", "geslachtsnaam", "familienaam", "eigennaam", "partnernaam",
	"meisjesnaam", "echtgenoot", "voornaam", "voornamen", "roepnaam", "voorletters", "initialen",
	"tussenvoegsel", "voorvoegsel", "surname", "lastname", "familyname", "firstname", "givenname",
	"givennames", "forename", "forenames", "middlename", "maidenname", "initials",
	// birth date
	"geboortedatum", "gebdatum", "gebdat", "geboortedag", "birthdate", "dateofbirth", "dob", "birthday",
	// address
	"postcode", "zipcode", "zip", "postalcode", "adres", "woonadres", "address", "straat", "straatnaam",
	"street", "streetname", "huisnummer", "huisnr", "housenumber", "woonplaats", "residence", "city",
	// contact
	"telefoon", "telefoonnummer", "telnr", "mobiel", "phone", "phonenumber", "telephone", "mobile",
	"email", "emailadres", "emailaddress", "mail",
)

func setOf(names ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}
