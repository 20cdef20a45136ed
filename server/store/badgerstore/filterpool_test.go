package badgerstore

import "testing"

// TestFilterPoolGivesEmptyFilters: a filter put back comes out of get
// empty (no block it held, nothing counted), and one of another size is
// not kept.
func TestFilterPoolGivesEmptyFilters(t *testing.T) {
	fp := filterPool{words: bloomWords(1 << 12)}
	f := fp.get()
	for block := uint64(1); block <= 500; block++ {
		f.addUnshared(block, blockHash(block))
	}
	f.added.Store(500)
	fp.put(f)
	g := fp.get()
	for block := uint64(1); block <= 500; block++ {
		if g.has(block, blockHash(block)) {
			t.Fatalf("a filter from the pool still has block %d", block)
		}
	}
	if g.added.Load() != 0 {
		t.Fatalf("a filter from the pool counts %d blocks", g.added.Load())
	}
	fp.put(newBloomPartWords(fp.words * 2))
	if h := fp.get(); uint64(len(h.words)) != fp.words {
		t.Fatalf("a filter of %d words from a pool of %d", len(h.words), fp.words)
	}
}
