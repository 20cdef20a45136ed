package release

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/ttpnl/ttp/client/csvfile"
)

// Regions maps 4-digit postcode areas to regions (a municipality, a GGD
// region, a province): the lookup file of -generalise COL=region:FILE.
type Regions struct {
	of    [10000]uint16 // area → 1 + index in names; 0: not listed
	names []string
}

// MaxRegionName is the longest region name a lookup file may hold, in
// bytes: a name, not a text.
const MaxRegionName = 100

// ParseRegions reads a lookup file: a header line, then one line per area
// or range of areas and its region, separated by ',' ';' or a tab:
//
//	postcode,region
//	1011,Amsterdam
//	1000-1099,Amsterdam
//
// An area is 4 digits, the first not 0; a range is two areas, the first not
// the larger. An area listed twice, even for the same region, is an error:
// a lookup file that contradicts itself is not guessed at.
func ParseRegions(r io.Reader) (*Regions, error) {
	cr, err := csvfile.NewReader(r, csvfile.Options{})
	if err != nil {
		return nil, err
	}
	if len(cr.Header()) != 2 {
		return nil, errors.New("line 1: want a header of two columns: postcode area and region")
	}
	rs := &Regions{}
	index := map[string]uint16{}
	firstLine := map[int]int{} // area → line that listed it
	err = eachRow(cr, func(row csvfile.Row) error {
		if row.Problem != nil {
			return fmt.Errorf("line %d: %s", row.Line, row.Problem)
		}
		lo, hi, ok := parseAreas(strings.TrimSpace(row.Fields[0]))
		if !ok {
			return fmt.Errorf("line %d: want a postcode area (4 digits, the first not 0) or a range of them (1000-1099)", row.Line)
		}
		name := strings.TrimSpace(row.Fields[1])
		if name == "" || name == Suppressed || len(name) > MaxRegionName || !utf8.ValidString(name) {
			return fmt.Errorf("line %d: want a region name of 1 to %d bytes of UTF-8, other than %q", row.Line, MaxRegionName, Suppressed)
		}
		i, ok := index[name]
		if !ok {
			if len(rs.names) == 1<<16-1 {
				return fmt.Errorf("line %d: more than %d regions", row.Line, 1<<16-1)
			}
			rs.names = append(rs.names, name)
			i = uint16(len(rs.names))
			index[name] = i
		}
		for a := lo; a <= hi; a++ {
			if rs.of[a] != 0 {
				return fmt.Errorf("line %d: area %04d is listed already on line %d", row.Line, a, firstLine[a])
			}
			rs.of[a], firstLine[a] = i, row.Line
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rs.names) == 0 {
		return nil, errors.New("no regions: the file has a header only")
	}
	return rs, nil
}

// LoadRegions reads the lookup file at path.
func LoadRegions(path string) (*Regions, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rs, err := ParseRegions(f)
	if err != nil {
		return nil, fmt.Errorf("region file %s: %w", path, err)
	}
	return rs, nil
}

// parseAreas parses "1234" or "1000-1099".
func parseAreas(s string) (lo, hi int, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if !isArea(a) {
		return 0, 0, false
	}
	lo = atoi4(a)
	if !isRange {
		return lo, lo, true
	}
	if !isArea(b) || atoi4(b) < lo {
		return 0, 0, false
	}
	return lo, atoi4(b), true
}

func atoi4(s string) int {
	return int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
}

// Lookup returns the region of a 4-digit area.
func (rs *Regions) Lookup(area string) (string, bool) {
	if rs == nil || !isArea(area) {
		return "", false
	}
	i := rs.of[atoi4(area)]
	if i == 0 {
		return "", false
	}
	return rs.names[i-1], true
}

// Len is the number of regions.
func (rs *Regions) Len() int { return len(rs.names) }
