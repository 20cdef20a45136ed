package client

import (
	"fmt"
	"strings"

	"github.com/ttpnl/ttp/identity"
)

// Mapping says which CSV column holds which identifying field.
type Mapping struct {
	Field  identity.Field
	Column string
}

// ParseMappings reads "field=column,field=column", as given to -map.
func ParseMappings(s string) ([]Mapping, error) {
	var out []Mapping
	seen := map[identity.Field]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, column, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(column) == "" {
			return nil, fmt.Errorf("-map: %q: want field=column", part)
		}
		f, err := identity.ParseField(strings.TrimSpace(name))
		if err != nil {
			// The field name comes from the command line, not from a cell,
			// so it may be repeated.
			return nil, fmt.Errorf("-map: %q: %w", part, err)
		}
		if seen[f] {
			return nil, fmt.Errorf("-map: field %s is mapped twice", f)
		}
		seen[f] = true
		out = append(out, Mapping{Field: f, Column: strings.TrimSpace(column)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-map: no field=column pairs")
	}
	return out, nil
}
