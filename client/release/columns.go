package release

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
)

// columns is what a release does to a file's columns: the rules by column
// index, with the values rare-value rules turn into Other once counted.
type columns struct {
	header []string
	rules  map[int]*Rule
	order  []int                  // the rules' columns, ascending: problems come in column order
	rare   map[int]map[string]int // Rare column → count of each value
	other  map[int]map[string]bool
}

// resolveColumns finds the rules' columns in header and loads their
// region files.
func resolveColumns(header []string, rules []Rule) (*columns, error) {
	cs := &columns{header: header, rules: map[int]*Rule{}, rare: map[int]map[string]int{}}
	for i := range rules {
		r := rules[i]
		c, err := columnIndex(header, r.Column)
		if err != nil {
			return nil, err
		}
		if _, dup := cs.rules[c]; dup {
			return nil, fmt.Errorf("-generalise: column %q has two rules", r.Column)
		}
		if r.Kind == Region && r.Regions == nil {
			if r.Regions, err = LoadRegions(r.RegionFile); err != nil {
				return nil, err
			}
		}
		if r.Kind == Rare {
			cs.rare[c] = map[string]int{}
		}
		cs.rules[c] = &r
		cs.order = append(cs.order, c)
	}
	slices.Sort(cs.order)
	return cs, nil
}

// columnIndex finds a column the user named: a name that is not in the
// header is BF-005.
func columnIndex(header []string, name string) (int, error) {
	for i, h := range header {
		if strings.EqualFold(h, strings.TrimSpace(name)) {
			return i, nil
		}
	}
	return 0, csvfile.MissingColumn(name)
}

func columnIndexes(header, names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		c, err := columnIndex(header, n)
		if err != nil {
			return nil, err
		}
		idx[i] = c
	}
	return idx, nil
}

// generalise applies the rules to a row's fields in place, and reports
// the columns of the values it had to suppress.
func (cs *columns) generalise(fields []string, problem func(column int, code identity.Code)) {
	for _, c := range cs.order {
		v, code := cs.rules[c].apply(fields[c])
		if code != "" {
			problem(c, code)
		}
		if cs.other != nil && cs.other[c][v] {
			v = Other
		}
		fields[c] = v
	}
}

// count counts the values of the rare-value columns of a generalised row.
func (cs *columns) count(fields []string) {
	for c, counts := range cs.rare {
		counts[fields[c]]++
	}
}

// settleRare decides, after every row is counted, which values are rare:
// those of fewer records than the rule's MinCount (defaultMin if unset).
// An empty or suppressed value is never put in Other.
func (cs *columns) settleRare(defaultMin int) {
	cs.other = map[int]map[string]bool{}
	for c, counts := range cs.rare {
		min := cs.rules[c].MinCount
		if min == 0 {
			min = defaultMin
		}
		cs.other[c] = map[string]bool{}
		for v, n := range counts {
			if n < min && v != "" && v != Suppressed {
				cs.other[c][v] = true
			}
		}
	}
}

// toOther is the value v of column c becomes once rare values are settled.
func (cs *columns) toOther(c int, v string) string {
	if cs.other[c][v] {
		return Other
	}
	return v
}

// releasedHeader names each generalised column for what it now holds:
// geboortedatum_year, postcode_pc4.
func (cs *columns) releasedHeader() ([]string, error) {
	h := append([]string(nil), cs.header...)
	for c, r := range cs.rules {
		if suffix := r.Kind.suffix(); suffix != "" {
			h[c] += "_" + suffix
		}
	}
	for i := range h {
		for j := range i {
			if strings.EqualFold(h[i], h[j]) {
				return nil, fmt.Errorf("the released file would have two columns %q: rename one in the input", h[i])
			}
		}
	}
	return h, nil
}

func (k Kind) suffix() string {
	switch k {
	case Year:
		return "year"
	case Month:
		return "month"
	case Age:
		return "age"
	case Postcode4:
		return "pc4"
	case Region:
		return "region"
	}
	return ""
}
