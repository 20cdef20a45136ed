package linkage

import (
	"encoding/binary"
	"errors"
)

// A stored record: source ‖ person ‖ 14 feature words (uint32) ‖ 2 Bloom
// filters ‖ block count (a byte) ‖ blocks, all little-endian.
const (
	featureWords = 14
	recordFixed  = 8 + 8 + featureWords*4 + 2*bloomWords*8 + 1
)

func (f *Features) words() [featureWords]*uint32 {
	return [featureWords]*uint32{&f.BSN, &f.Year, &f.Month, &f.Day, &f.Sex, &f.Postcode, &f.Area, &f.House,
		&f.Family, &f.FamilyFirst, &f.FamilyLast, &f.First, &f.Initials, &f.FirstInitial}
}

func encodeRecord(source, person uint64, enc *Encoded) []byte {
	b := make([]byte, 0, recordFixed+8*len(enc.Blocks))
	b = binary.LittleEndian.AppendUint64(b, source)
	b = binary.LittleEndian.AppendUint64(b, person)
	f := enc.Features
	for _, w := range f.words() {
		b = binary.LittleEndian.AppendUint32(b, *w)
	}
	for _, bl := range []*Bloom{&f.FamilyBloom, &f.FirstBloom} {
		for _, w := range bl {
			b = binary.LittleEndian.AppendUint64(b, w)
		}
	}
	b = append(b, byte(len(enc.Blocks)))
	for _, k := range enc.Blocks {
		b = binary.LittleEndian.AppendUint64(b, k)
	}
	return b
}

var errBadRecord = errors.New("stored person-index record is malformed")

func decodeRecord(b []byte) (source, person uint64, enc *Encoded, err error) {
	if len(b) < recordFixed {
		return 0, 0, nil, errBadRecord
	}
	u := func() uint64 { v := binary.LittleEndian.Uint64(b); b = b[8:]; return v }
	source, person = u(), u()
	enc = &Encoded{Source: source}
	for _, w := range enc.Features.words() {
		*w = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	for _, bl := range []*Bloom{&enc.Features.FamilyBloom, &enc.Features.FirstBloom} {
		for i := range bl {
			bl[i] = u()
		}
	}
	n := int(b[0])
	b = b[1:]
	if n > MaxBlockKeys || len(b) != 8*n {
		return 0, 0, nil, errBadRecord
	}
	for range n {
		enc.Blocks = append(enc.Blocks, u())
	}
	return source, person, enc, nil
}
