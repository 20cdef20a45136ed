package linkage

import (
	"encoding/binary"
	"errors"
)

// Stored features: 19 feature words (uint32) ‖ 2 Bloom filters, all
// little-endian. The store keeps them as opaque bytes. Records stored
// before the last 5 words were added (BSN parts, the given name as a
// family name, the call-name group) have 14 words; they decode with those
// 5 missing.
const (
	featureWords    = 19
	oldFeatureWords = 14
	featureBytes    = featureWords*4 + 2*bloomWords*8
	oldFeatureBytes = oldFeatureWords*4 + 2*bloomWords*8
)

func (f *Features) words() [featureWords]*uint32 {
	return [featureWords]*uint32{&f.BSN, &f.Year, &f.Month, &f.Day, &f.Sex, &f.Postcode, &f.Area, &f.House,
		&f.Family, &f.FamilyFirst, &f.FamilyLast, &f.First, &f.Initials, &f.FirstInitial,
		&f.BSNParts[0], &f.BSNParts[1], &f.BSNParts[2], &f.GivenAsFamily, &f.FirstGroup}
}

func encodeFeatures(f *Features) []byte {
	b := make([]byte, 0, featureBytes)
	for _, w := range f.words() {
		b = binary.LittleEndian.AppendUint32(b, *w)
	}
	for _, bl := range []*Bloom{&f.FamilyBloom, &f.FirstBloom} {
		for _, w := range bl {
			b = binary.LittleEndian.AppendUint64(b, w)
		}
	}
	return b
}

var errBadFeatures = errors.New("stored person-index features are malformed")

func decodeFeatures(b []byte, f *Features) error {
	n := featureWords
	switch len(b) {
	case featureBytes:
	case oldFeatureBytes:
		n = oldFeatureWords
	default:
		return errBadFeatures
	}
	*f = Features{}
	words := f.words()
	for _, w := range words[:n] {
		*w = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	for _, bl := range []*Bloom{&f.FamilyBloom, &f.FirstBloom} {
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
