package release

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ttpnl/ttp/identity"
)

// Suppressed is what a released file shows in place of a value it holds
// back, as ARX does: unlike an empty cell, it cannot be mistaken for a
// value that was missing at the source.
const Suppressed = "*"

// Other is the category rare values are put in.
const Other = "other"

// Problem codes of a released row (docs/problem-codes.md).
const (
	CodeBadDate        identity.Code = "W-801"
	CodeNotDutch       identity.Code = "W-802"
	CodeNoRegion       identity.Code = "W-803"
	CodeAfterReference identity.Code = "W-804"
	CodeSuppressed     identity.Code = "W-805"
	CodeSmallClass     identity.Code = "F-801"
	CodeStillSmall     identity.Code = "F-802"
)

// Kind is what a Rule makes of a column's values.
type Kind int

const (
	Year      Kind = iota + 1 // a date to its year: 1956
	Month                     // a date to its year and month: 1956-03
	Age                       // a date to the age at Rule.Reference, in bands of Rule.Band years
	Postcode4                 // a postcode to its 4 digits: 1234
	Region                    // a postcode to the region of its 4 digits (Rule.Regions)
	Rare                      // values seen in fewer than Rule.MinCount records to Other
)

// A Rule generalises one column. Parse one with ParseRule.
type Rule struct {
	Column     string
	Kind       Kind
	Reference  identity.Date // Age: the date the age is taken at
	Band       int           // Age: years per band, 1 for the age itself
	RegionFile string        // Region: the lookup file, read by Load
	Regions    *Regions      // Region: the lookup, once loaded
	MinCount   int           // Rare: fewer records than this make a value rare; 0: k
}

// RuleSyntax is the rule language, for usage messages.
const RuleSyntax = "COLUMN=year | month | age:YYYY-MM-DD[:BAND] | pc4 | region:FILE | other[:N]"

// ParseRule parses COLUMN=RULE (RuleSyntax). It does not read a region
// file; Load does.
func ParseRule(s string) (Rule, error) {
	col, spec, ok := strings.Cut(s, "=")
	col = strings.TrimSpace(col)
	if !ok || col == "" {
		return Rule{}, fmt.Errorf("generalise %q: want %s", s, RuleSyntax)
	}
	name, arg, hasArg := strings.Cut(strings.TrimSpace(spec), ":")
	r := Rule{Column: col}
	bad := func(why string) (Rule, error) {
		return Rule{}, fmt.Errorf("generalise %s: %s", col, why)
	}
	switch name {
	case "year", "month", "pc4":
		if hasArg {
			return bad(name + " takes no argument")
		}
		r.Kind = map[string]Kind{"year": Year, "month": Month, "pc4": Postcode4}[name]
	case "age":
		r.Kind, r.Band = Age, 1
		ref, band, hasBand := strings.Cut(arg, ":")
		d, p := identity.ParseBirthDate(ref, identity.Date{Year: 9999, Month: 12, Day: 31})
		if !hasArg || p != nil {
			return bad("age needs a reference date: age:YYYY-MM-DD")
		}
		r.Reference = d
		if hasBand {
			n, err := strconv.Atoi(band)
			if err != nil || n < 1 || n > 100 {
				return bad("the age band is 1 to 100 years")
			}
			r.Band = n
		}
	case "region":
		if arg == "" {
			return bad("region needs its lookup file: region:FILE")
		}
		r.Kind, r.RegionFile = Region, arg
	case "other":
		r.Kind = Rare
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 2 {
				return bad("other:N needs a whole number N of at least 2")
			}
			r.MinCount = n
		}
	default:
		return bad("unknown rule " + strconv.Quote(name) + "; want " + RuleSyntax)
	}
	return r, nil
}

// apply generalises one value. A value it cannot generalise is suppressed,
// with the code that says why; an empty value stays empty (it discloses
// nothing). Rare returns the value as it is: which values are rare is
// known only after the whole file is read.
func (r *Rule) apply(v string) (string, identity.Code) {
	v = strings.TrimSpace(v)
	if v == "" || v == Suppressed {
		return v, ""
	}
	switch r.Kind {
	case Year, Month, Age:
		d, p := identity.ParseBirthDate(v, identity.Date{Year: 9999, Month: 12, Day: 31})
		if p != nil {
			return Suppressed, CodeBadDate
		}
		switch r.Kind {
		case Year:
			return fmt.Sprintf("%04d", d.Year), ""
		case Month:
			return fmt.Sprintf("%04d-%02d", d.Year, d.Month), ""
		}
		return r.age(d)
	case Postcode4, Region:
		area, ok := postcodeArea(v)
		if !ok {
			return Suppressed, CodeNotDutch
		}
		if r.Kind == Postcode4 {
			return area, ""
		}
		if region, ok := r.Regions.Lookup(area); ok {
			return region, ""
		}
		return Suppressed, CodeNoRegion
	}
	return v, ""
}

// age is the age in whole years at the reference date, or its band
// ("60-64").
func (r *Rule) age(d identity.Date) (string, identity.Code) {
	ref := r.Reference
	if ref.Before(d) {
		return Suppressed, CodeAfterReference
	}
	age := ref.Year - d.Year
	if ref.Month < d.Month || ref.Month == d.Month && ref.Day < d.Day {
		age--
	}
	if r.Band == 1 {
		return strconv.Itoa(age), ""
	}
	lo := age / r.Band * r.Band
	return fmt.Sprintf("%d-%d", lo, lo+r.Band-1), ""
}

// postcodeArea is the 4-digit area of a Dutch postcode, written in full
// (1234 AB) or already as its area (1234).
func postcodeArea(v string) (string, bool) {
	if len(v) == 4 && isArea(v) {
		return v, true
	}
	p, prob := identity.ParsePostcode(v)
	if prob != nil || p.Country != "NL" {
		return "", false
	}
	return p.Area, true
}

// isArea says whether s is a 4-digit postcode area: 4 digits, the first
// not 0.
func isArea(s string) bool {
	if len(s) != 4 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
