package badgerstore

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

func TestPostingRoundTrip(t *testing.T) {
	for _, p := range []posting{
		{ids: []uint64{1}},
		{ids: []uint64{1<<64 - 1, 1<<63 + 5, 7, 1}, chunks: 3},
		{ids: []uint64{100, 99, 98}, chunks: 1<<32 - 1},
	} {
		got, err := decodePosting(p.encode())
		if err != nil || !slices.Equal(got.ids, p.ids) || got.chunks != p.chunks {
			t.Errorf("round trip of %+v: %+v, %v", p, got, err)
		}
	}
}

func TestPostingRefusesMalformed(t *testing.T) {
	good := (&posting{ids: []uint64{9, 5, 2}, chunks: 1}).encode()
	for _, b := range [][]byte{
		nil,
		good[:len(good)-1],                   // cut short
		append(slices.Clone(good), 0),        // trailing byte
		{0, 2, 5, 0},                         // a zero difference: a member twice
		{0, 2, 5, 6},                         // a difference past zero
		{0, 0},                               // a head without members
		{0xff, 0xff, 0xff, 0xff, 0x7f, 1, 1}, // more chunks than a uint32
	} {
		if _, err := decodePosting(b); !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("decodePosting(%x): %v, want ErrCorrupt", b, err)
		}
	}
}

// The encoders of the old key layout, for the tests that write a store as
// a version before posting runs did.

// appendIDs encodes ids, which must be strictly decreasing: their count,
// the first, then each one's difference from the one before.
func appendIDs(b []byte, ids []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for i, id := range ids {
		if i == 0 {
			b = binary.AppendUvarint(b, id)
		} else {
			b = binary.AppendUvarint(b, ids[i-1]-id)
		}
	}
	return b
}

// encode is a head's value.
func (p *posting) encode() []byte {
	b := binary.AppendUvarint(make([]byte, 0, 4+3*len(p.ids)), uint64(p.chunks))
	return appendIDs(b, p.ids)
}
