package linkage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// modelJSON is a model as configured: thresholds and, per comparison and
// level, m and u. Levels left out keep their default values.
type modelJSON struct {
	Upper       float64                  `json:"upper"`
	Lower       float64                  `json:"lower"`
	Comparisons map[string]map[string]MU `json:"comparisons"`
	OtherBSN    *otherBSNJSON            `json:"other_bsn,omitempty"`
}

// otherBSNJSON is an OtherBSN estimate as stored: each pattern as its
// levels by comparison name, missing ones left out.
type otherBSNJSON struct {
	IdentityPairs int                   `json:"identity_pairs"`
	Replaced      float64               `json:"replaced"`
	Review        []otherBSNPatternJSON `json:"review"`
}

type otherBSNPatternJSON struct {
	Pattern  map[string]string `json:"pattern"`
	Pairs    int               `json:"pairs"`
	Agreeing int               `json:"bsn_agreeing"`
}

// MarshalJSON writes the model as configured.
func (m *Model) MarshalJSON() ([]byte, error) {
	out := modelJSON{Upper: m.Upper, Lower: m.Lower, Comparisons: map[string]map[string]MU{}}
	for c := range numComparisons {
		levels := map[string]MU{}
		for l := 1; l < len(levelNames[c]); l++ {
			levels[levelNames[c][l]] = m.MU[c][l]
		}
		out.Comparisons[comparisonNames[c]] = levels
	}
	out.OtherBSN = otherBSNToJSON(m.OtherBSN)
	return json.MarshalIndent(out, "", "  ")
}

// LoadModel reads a model file, starting from DefaultModel: unknown
// comparisons or levels are errors, missing ones keep their defaults.
func LoadModel(path string) (*Model, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseModel(raw)
	if err != nil {
		return nil, fmt.Errorf("linkage model %s: %w", path, err)
	}
	return m, nil
}

// ParseModel reads a model from JSON, as LoadModel does.
func ParseModel(raw []byte) (*Model, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	def := DefaultModel()
	in := modelJSON{Upper: def.Upper, Lower: def.Lower}
	if err := dec.Decode(&in); err != nil {
		return nil, err
	}
	m := &Model{MU: def.MU, Upper: in.Upper, Lower: in.Lower}
	for name, levels := range in.Comparisons {
		c := indexOf(comparisonNames[:], name)
		if c < 0 {
			return nil, fmt.Errorf("unknown comparison %q (known: %v)", name, comparisonNames)
		}
		for level, mu := range levels {
			l := indexOf(levelNames[c], level)
			if l < 1 {
				return nil, fmt.Errorf("%s: unknown level %q (known: %v)", name, level, levelNames[c][1:])
			}
			m.MU[c][l] = mu
		}
	}
	if in.OtherBSN != nil {
		est, err := otherBSNFromJSON(in.OtherBSN)
		if err != nil {
			return nil, err
		}
		m.SetOtherBSN(est)
	}
	if err := m.Prepare(); err != nil {
		return nil, err
	}
	return m, nil
}

func otherBSNToJSON(est *OtherBSN) *otherBSNJSON {
	if est == nil {
		return nil
	}
	out := &otherBSNJSON{IdentityPairs: est.IdentityPairs, Replaced: est.Replaced}
	out.Review = make([]otherBSNPatternJSON, len(est.Review))
	for i, r := range est.Review {
		levels := map[string]string{}
		for c, l := range r.Pattern {
			if l != 0 {
				levels[comparisonNames[c]] = levelNames[c][l]
			}
		}
		out.Review[i].Pattern, out.Review[i].Pairs, out.Review[i].Agreeing = levels, r.Pairs, r.Agreeing
	}
	return out
}

func otherBSNFromJSON(in *otherBSNJSON) (*OtherBSN, error) {
	est := &OtherBSN{IdentityPairs: in.IdentityPairs, Replaced: in.Replaced}
	for _, r := range in.Review {
		var p Pattern
		for name, level := range r.Pattern {
			c := indexOf(comparisonNames[:], name)
			if c < 0 || c == cmpBSN {
				return nil, fmt.Errorf("other_bsn: comparison %q", name)
			}
			l := indexOf(levelNames[c], level)
			if l < 1 {
				return nil, fmt.Errorf("other_bsn: %s: unknown level %q", name, level)
			}
			p[c] = uint8(l)
		}
		est.Review = append(est.Review, OtherBSNPattern{Pattern: p, Pairs: r.Pairs, Agreeing: r.Agreeing})
	}
	return est, nil
}

func indexOf(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}
