package linkage

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Stored features: 22 feature words (uint32) ‖ 3 Bloom filters, all
// little-endian. The store keeps them as opaque bytes. Records of an older
// layout decode with what they lack missing (see layouts).
const (
	featureWords  = 22
	featureBlooms = 3
	featureBytes  = featureWords*4 + featureBlooms*bloomWords*8
)

// layouts are the stored layouts, newest first, as (words, Bloom filters):
// before the names' sound codes, 20 and 3; before issue 9's postcode with
// sorted digits and the given name's Bloom filter under the family-name
// label, 19 and 2; before the BSN parts, the given name as a family name
// and the call-name group, 14 and 2.
var layouts = [][2]int{{featureWords, featureBlooms}, {20, 3}, {19, 2}, {14, 2}}

// layoutBytes is the length of a layout's encoding.
func layoutBytes(l [2]int) int { return l[0]*4 + l[1]*bloomWords*8 }

func (f *Features) words() [featureWords]*uint32 {
	return [featureWords]*uint32{&f.BSN, &f.Year, &f.Month, &f.Day, &f.Sex, &f.Postcode, &f.Area, &f.House,
		&f.Family, &f.FamilyFirst, &f.FamilyLast, &f.First, &f.Initials, &f.FirstInitial,
		&f.BSNParts[0], &f.BSNParts[1], &f.BSNParts[2], &f.GivenAsFamily, &f.FirstGroup, &f.PostcodeSorted,
		&f.FamilySound, &f.FirstSound}
}

func (f *Features) blooms() [featureBlooms]*Bloom {
	return [featureBlooms]*Bloom{&f.FamilyBloom, &f.FirstBloom, &f.GivenBloom}
}

func encodeFeatures(f *Features) []byte {
	b := make([]byte, 0, featureBytes)
	for _, w := range f.words() {
		b = binary.LittleEndian.AppendUint32(b, *w)
	}
	for _, bl := range f.blooms() {
		for _, w := range bl {
			b = binary.LittleEndian.AppendUint64(b, w)
		}
	}
	return b
}

var errBadFeatures = errors.New("stored person-index features are malformed")

func decodeFeatures(b []byte, f *Features) error {
	i := slices.IndexFunc(layouts, func(l [2]int) bool { return layoutBytes(l) == len(b) })
	if i < 0 {
		return errBadFeatures
	}
	*f = Features{}
	words, blooms := f.words(), f.blooms()
	for _, w := range words[:layouts[i][0]] {
		*w = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	for _, bl := range blooms[:layouts[i][1]] {
		for i := range bl {
			bl[i] = binary.LittleEndian.Uint64(b)
			b = b[8:]
		}
	}
	return nil
}

var errBadPattern = errors.New("stored review pattern is malformed")

func decodePattern(b []byte) (Pattern, error) {
	var p Pattern
	if len(b) != numComparisons {
		return p, errBadPattern
	}
	for c := range p {
		if int(b[c]) >= len(levelNames[c]) {
			return p, errBadPattern
		}
		p[c] = b[c]
	}
	return p, nil
}
