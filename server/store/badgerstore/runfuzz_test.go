package badgerstore

import (
	"errors"
	"slices"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// The decoders below read what the store itself wrote and sealed; a
// malformed input must still give ErrCorrupt, never a panic.

func FuzzDecodeDirectory(f *testing.F) {
	r := &run{level: 2, pairs: 3, maxID: 99, fences: []uint64{1, 7}, ends: []int64{40, 80}, bloom: newBloomPart(1024)}
	f.Add(r.encodeDirectory())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var got run
		if err := got.decodeDirectory(b, 1<<20); err != nil && !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("decodeDirectory: %v, want ErrCorrupt", err)
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add(encodeManifest(9, []*run{{id: 3}, {id: 8}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		next, ids, err := decodeManifest(b)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("decodeManifest: %v", err)
			}
			return
		}
		for _, id := range ids {
			if id >= next {
				t.Fatalf("run %d at or past the next run number %d", id, next)
			}
		}
	})
}

func FuzzDecodePairs(f *testing.F) {
	f.Add(encodePairs(map[uint64][]uint64{7: {1, 2}, 1 << 63: {5}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := decodePairs(b, func(uint64, uint64) {}); err != nil && !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("decodePairs: %v", err)
		}
	})
}

func TestPairsRoundTrip(t *testing.T) {
	in := map[uint64][]uint64{7: {1, 2}, 1 << 63: {5}, 0: {1<<48 - 1}}
	out := map[uint64][]uint64{}
	if err := decodePairs(encodePairs(in), func(b, id uint64) { out[b] = append(out[b], id) }); err != nil {
		t.Fatal(err)
	}
	for b, ids := range in {
		if !slices.Equal(out[b], ids) {
			t.Errorf("block %d: %v, want %v", b, out[b], ids)
		}
	}
}

// TestRunRefusesTooLargeID: a record ID that a page cannot hold is an
// error, not a truncated ID.
func TestRunRefusesTooLargeID(t *testing.T) {
	aead, err := newRunAEAD(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	w, err := newRunWriter(t.TempDir(), 1, 0, 10, aead, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.abort()
	if err := w.add(5, 1<<48); err == nil {
		t.Fatal("a 49-bit record ID was written")
	}
}

func FuzzDecodeReidGroup(f *testing.F) {
	var g reidGroup
	g.sources[0], g.sources[5], g.sources[63] = []byte("sealed zero"), []byte{}, []byte("sealed 63")
	f.Add(encodeReidGroup(&g))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var got reidGroup
		if err := decodeReidGroup(b, &got); err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("decodeReidGroup: %v, want ErrCorrupt", err)
			}
			return
		}
		// What decodes encodes to what decodes the same.
		var again reidGroup
		if err := decodeReidGroup(encodeReidGroup(&got), &again); err != nil || !slices.EqualFunc(again.sources[:], got.sources[:], func(a, b []byte) bool { return (a == nil) == (b == nil) && slices.Equal(a, b) }) {
			t.Fatalf("decode, encode, decode: %v, %v; was %v", again, err, got)
		}
	})
}
