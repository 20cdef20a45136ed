package release

import (
	"slices"
	"strings"
)

// Classes counts the records of each equivalence class: the records that
// agree on every quasi-identifier. A class is keyed by its values joined
// with NUL, which no CSV field holds (the reader refuses NUL bytes).
type Classes struct {
	columns []string
	count   map[string]int
}

func newClasses(columns []string) *Classes {
	return &Classes{columns: columns, count: map[string]int{}}
}

func classKey(values []string) string { return strings.Join(values, "\x00") }

func classValues(key string) []string { return strings.Split(key, "\x00") }

func (c *Classes) add(values []string, n int) { c.count[classKey(values)] += n }

// Stats describe how k-anonymous a set of records is.
type Stats struct {
	Records  int // records counted
	Classes  int // distinct combinations of quasi-identifier values
	Smallest int // records in the smallest class; 0 without records
	BelowK   int // records in classes of fewer than k records
}

// Stats counts the classes against k.
func (c *Classes) Stats(k int) Stats {
	var s Stats
	for _, n := range c.count {
		s.Records += n
		s.Classes++
		if s.Smallest == 0 || n < s.Smallest {
			s.Smallest = n
		}
		if n < k {
			s.BelowK += n
		}
	}
	return s
}

// A Driver says how much one quasi-identifier adds to the risk: with many
// distinct values, and many records that would leave the classes below k
// if it were left out, it is the column to generalise further.
type Driver struct {
	Column        string
	Distinct      int // distinct values in the column
	BelowKWithout int // records in classes below k over the other quasi-identifiers
}

// Drivers are the quasi-identifiers, each with what it drives.
func (c *Classes) Drivers(k int) []Driver {
	ds := make([]Driver, len(c.columns))
	for i, col := range c.columns {
		without := newClasses(nil)
		distinct := map[string]bool{}
		for key, n := range c.count {
			vs := classValues(key)
			distinct[vs[i]] = true
			vs[i] = ""
			without.add(vs, n)
		}
		ds[i] = Driver{Column: col, Distinct: len(distinct), BelowKWithout: without.Stats(k).BelowK}
	}
	return ds
}

// suppressionOrder is the order in which cell suppression takes the
// quasi-identifiers: the one with the most distinct values first, as
// sdcMicro's default importance does, since it splits the records into
// the most small classes and its loss tells the least.
func (c *Classes) suppressionOrder() []int {
	ds := c.Drivers(0)
	order := make([]int, len(ds))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return ds[b].Distinct - ds[a].Distinct })
	return order
}
