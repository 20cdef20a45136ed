package linkage

import (
	"encoding/binary"
	"errors"
)

// Stored features: 14 feature words (uint32) ‖ 2 Bloom filters, all
// little-endian. The store keeps them as opaque bytes.
const (
	featureWords = 14
	featureBytes = featureWords*4 + 2*bloomWords*8
)

func (f *Features) words() [featureWords]*uint32 {
	return [featureWords]*uint32{&f.BSN, &f.Year, &f.Month, &f.Day, &f.Sex, &f.Postcode, &f.Area, &f.House,
		&f.Family, &f.FamilyFirst, &f.FamilyLast, &f.First, &f.Initials, &f.FirstInitial}
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
	if len(b) != featureBytes {
		return errBadFeatures
	}
	for _, w := range f.words() {
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
