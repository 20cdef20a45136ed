package badgerstore

import (
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
