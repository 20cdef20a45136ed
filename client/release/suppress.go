package release

import (
	"fmt"

	"github.com/ttpnl/ttp/identity"
)

// Method is how a release reaches k: by suppressing cells or records.
type Method int

const (
	// Cells suppresses quasi-identifier values of the records in small
	// classes, the column with the most distinct values first, until each
	// class has k records; a record still below k with every one
	// suppressed is left out (F-802). The default: every other record
	// keeps its place and its payload.
	Cells Method = iota
	// Records leaves out every record of a class below k (F-801).
	Records
)

// ParseMethod parses "cells" or "records".
func ParseMethod(s string) (Method, error) {
	switch s {
	case "cells", "":
		return Cells, nil
	case "records":
		return Records, nil
	}
	return 0, fmt.Errorf("-suppress: want cells or records, not %q", s)
}

func (m Method) String() string {
	if m == Records {
		return "records"
	}
	return "cells"
}

// A Plan says, for each class that does not stay as it is, what its
// records become: a class with some values suppressed, or left out.
type Plan struct {
	released map[string][]string      // class → its released values
	dropped  map[string]identity.Code // class → why its records are left out
	after    *Classes                 // the classes of the released records
}

// planSuppression makes every class of c have at least k records.
func planSuppression(c *Classes, k int, m Method) *Plan {
	p := &Plan{released: map[string][]string{}, dropped: map[string]identity.Code{}}
	if m == Records {
		for key, n := range c.count {
			if n < k {
				p.dropped[key] = CodeSmallClass
			}
		}
		p.after = p.apply(c)
		return p
	}
	order := c.suppressionOrder()
	for {
		after := p.apply(c)
		changed := false
		for key := range c.count {
			vs := p.valuesOf(key)
			if after.count[classKey(vs)] >= k {
				continue
			}
			for _, col := range order {
				if vs[col] != Suppressed {
					vs = append([]string(nil), vs...)
					vs[col] = Suppressed
					p.released[key] = vs
					changed = true
					break
				}
			}
		}
		if !changed {
			// Only the class with every value suppressed can be left
			// below k: its records are left out.
			for key := range c.count {
				if after.count[classKey(p.valuesOf(key))] < k {
					p.dropped[key] = CodeStillSmall
					delete(p.released, key)
				}
			}
			p.after = p.apply(c)
			return p
		}
	}
}

// valuesOf is what the records of class key are released as (before the
// check whether they are left out).
func (p *Plan) valuesOf(key string) []string {
	if vs, ok := p.released[key]; ok {
		return vs
	}
	return classValues(key)
}

// apply counts the classes of the released records.
func (p *Plan) apply(c *Classes) *Classes {
	after := newClasses(c.columns)
	for key, n := range c.count {
		if _, ok := p.dropped[key]; !ok {
			after.add(p.valuesOf(key), n)
		}
	}
	return after
}
