package badgerstore

import (
	"bytes"
	"cmp"
	"crypto/cipher"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// testRun writes a run of testPairs. It returns the run and, per block,
// its IDs newest first.
func testRun(t *testing.T, dir string) (*run, map[uint64][]uint64) {
	t.Helper()
	return testRunThrough(t, dir, nil)
}

// testRunThrough is testRun with the pages written through cache.
func testRunThrough(t *testing.T, dir string, cache *pageCache) (*run, map[uint64][]uint64) {
	t.Helper()
	aead := testRunAEAD(t)
	want, pairs := testPairs()
	w, err := newRunWriter(dir, 7, 0, int64(len(pairs)), aead, cache)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		if err := w.add(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	r, err := w.finish()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.f.Close() })
	if len(r.fences) < 10 {
		t.Fatalf("%d pages; the test wants blocks spanning pages", len(r.fences))
	}
	return r, want
}

// testPairs are random pairs: many blocks of one member, and a few large
// ones that span pages, sorted as a run keeps them, and per block its IDs
// newest first. The same every time: testdata/run02 holds them as a run
// written before runMagic 03.
func testPairs() (map[uint64][]uint64, [][2]uint64) {
	rng := rand.New(rand.NewPCG(3, 4))
	want := map[uint64][]uint64{}
	var pairs [][2]uint64
	add := func(block, id uint64) {
		if !slices.Contains(want[block], id) {
			want[block] = append(want[block], id)
			pairs = append(pairs, [2]uint64{block, id})
		}
	}
	for range 3000 {
		add(rng.Uint64(), rng.Uint64N(1<<40)+1)
	}
	for _, big := range []uint64{5, 1 << 63, 1<<64 - 1} {
		for range 700 {
			add(big, rng.Uint64N(1<<20)+1)
		}
	}
	for b := range want {
		slices.SortFunc(want[b], func(x, y uint64) int { return cmp.Compare(y, x) })
	}
	pairs = sortPairs(pairs)
	return want, pairs
}

func testRunAEAD(t *testing.T) cipher.AEAD {
	t.Helper()
	aead, err := newRunAEAD(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// TestRunFiltersOfBothLayouts: a run's Bloom filter, read back, has every
// block of the run and few others, in the layout of this version (blocks
// placed by key) and in that of runs before it (placed by hash).
func TestRunFiltersOfBothLayouts(t *testing.T) {
	want, _ := testPairs()
	dir := t.TempDir()
	testRun(t, dir)
	for _, c := range []struct {
		dir        string
		hashPlaced bool
	}{{dir, false}, {"testdata/run02", true}} {
		r, err := openRun(c.dir, 7, testRunAEAD(t))
		if err != nil {
			t.Fatal(err)
		}
		defer r.f.Close()
		if r.hashPlaced != c.hashPlaced {
			t.Fatalf("%s: run read with hashPlaced %v; want %v", c.dir, r.hashPlaced, c.hashPlaced)
		}
		for block, ids := range want {
			if !r.mayHave(block, blockHash(block)) {
				t.Fatalf("%s: the filter lacks a block of the run", c.dir)
			}
			if got, _, _, err := r.read(block, 1000, nil, nil, nil); err != nil || !slices.Equal(got, ids) {
				t.Fatalf("%s: block read back as %d IDs (err %v); want %d", c.dir, len(got), err, len(ids))
			}
		}
		rng := rand.New(rand.NewPCG(5, 6))
		falsePos := 0
		for range 100_000 {
			if b := rng.Uint64(); want[b] == nil && r.mayHave(b, blockHash(b)) {
				falsePos++
			}
		}
		if falsePos > 2_000 {
			t.Errorf("%s: %d of 100,000 absent blocks may be in the run; want under 2%%", c.dir, falsePos)
		}
	}
}

// TestSortPairs: the bucketed sort orders as comparisons do, for blocks
// spread evenly and for blocks that share their top bits or are equal.
func TestSortPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	spreads := map[string]func() uint64{
		"even":          rng.Uint64,
		"same top bits": func() uint64 { return 0xabcd<<48 | rng.Uint64N(1<<20) },
		"few blocks":    func() uint64 { return rng.Uint64N(3) << 62 },
	}
	for name, block := range spreads {
		for _, n := range []int{0, 1, 1000, 1024, 5000, 70_000} {
			pairs := make([][2]uint64, n)
			for i := range pairs {
				pairs[i] = [2]uint64{block(), rng.Uint64N(1 << 30)}
			}
			want := slices.Clone(pairs)
			slices.SortFunc(want, func(a, b [2]uint64) int {
				if c := cmp.Compare(a[0], b[0]); c != 0 {
					return c
				}
				return cmp.Compare(b[1], a[1]) // newest first
			})
			if got := sortPairs(pairs); !slices.Equal(got, want) {
				t.Fatalf("%s, %d pairs: not in run order", name, n)
			}
		}
	}
}

func TestRunLookups(t *testing.T) {
	dir := t.TempDir()
	written, want := testRun(t, dir)
	r, err := openRun(dir, written.id, written.aead)
	if err != nil {
		t.Fatal(err)
	}
	defer r.f.Close()
	if r.pairs != written.pairs || !slices.Equal(r.fences, written.fences) {
		t.Fatalf("directory read back differs: %d pairs, %d pages; wrote %d, %d", r.pairs, len(r.fences), written.pairs, len(written.fences))
	}
	for block, ids := range want {
		for _, per := range []int{1, 64, 1000} {
			got, _, _, err := r.read(block, per, nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if w := ids[:min(per, len(ids))]; !slices.Equal(got, w) {
				t.Fatalf("block %d, %d: got %d members %v…, want %d", block, per, len(got), got[:min(3, len(got))], len(w))
			}
		}
	}
	for _, absent := range []uint64{0, 4, 6, 1<<63 - 1, 1<<63 + 1, 1<<64 - 2} {
		if got, _, _, err := r.read(absent, 64, nil, nil, nil); err != nil || len(got) != 0 {
			t.Errorf("absent block %d: %v, %v", absent, got, err)
		}
	}
	// A merge reads every pair back in order.
	c := &cursor{r: r}
	var n int64
	var pb, pid uint64
	for {
		ok, err := c.advance()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if n > 0 && !before(pb, pid, c.block, c.id) {
			t.Fatalf("cursor out of order at pair %d", n)
		}
		pb, pid = c.block, c.id
		n++
	}
	if n != r.pairs {
		t.Fatalf("cursor read %d pairs of %d", n, r.pairs)
	}
}

// TestRunFlippedBit: a flipped bit anywhere in a run gives ErrCorrupt, at
// open or at the lookup of the page it is in, never a wrong member.
func TestRunFlippedBit(t *testing.T) {
	dir := t.TempDir()
	written, want := testRun(t, dir)
	path := dir + "/" + runFileName(written.id)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{0, 1000, len(orig) / 2, int(written.ends[len(written.ends)-1]) + 5, len(orig) - 30, len(orig) - 3} {
		b := slices.Clone(orig)
		b[at] ^= 0x10
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := openRun(dir, written.id, written.aead)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("bit flipped at %d: open: %v, want ErrCorrupt", at, err)
			}
			continue
		}
		failed := 0
		for block, ids := range want {
			got, _, _, err := r.read(block, 1000, nil, nil, nil)
			if err != nil {
				if !errors.Is(err, store.ErrCorrupt) {
					t.Errorf("bit flipped at %d: %v, want ErrCorrupt", at, err)
				}
				failed++
			} else if !slices.Equal(got, ids) {
				t.Fatalf("bit flipped at %d: block %d read wrong members", at, block)
			}
		}
		r.f.Close()
		if failed == 0 {
			t.Errorf("bit flipped at %d of %d: every lookup succeeded", at, len(orig))
		}
	}
}

// TestFirstPageAsBinarySearch: the interpolated guess of a block's first
// page lands where a binary search over the fences does, for fences spread
// evenly (as keyed hashes are), with pages that share a fence (a block
// over several pages), crowded into a corner of the range (the fallback),
// and for blocks at and between fences and at both ends of the range.
func TestFirstPageAsBinarySearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	even := make([]uint64, 5000)
	for i := range even {
		even[i] = rng.Uint64()
	}
	slices.Sort(even)
	shared := slices.Clone(even)
	for i := 100; i < 110; i++ {
		shared[i] = shared[99]
	}
	crowded := make([]uint64, 3000)
	for i := range crowded {
		crowded[i] = 1<<40 + rng.Uint64N(1<<20)
	}
	slices.Sort(crowded)
	for name, fences := range map[string][]uint64{"even": even, "shared": shared, "crowded": crowded, "one": {42}, "none": nil} {
		r := &run{fences: fences}
		blocks := []uint64{0, 1, 41, 42, 43, ^uint64(0), 1 << 40, 1<<40 + 1<<19}
		for _, f := range fences {
			blocks = append(blocks, f-1, f, f+1)
		}
		for range 2000 {
			blocks = append(blocks, rng.Uint64())
		}
		for _, block := range blocks {
			want := max(slices.IndexFunc(fences, func(f uint64) bool { return f >= block })-1, 0)
			if slices.IndexFunc(fences, func(f uint64) bool { return f >= block }) < 0 {
				want = max(len(fences)-1, 0)
			}
			if got := r.firstPage(block); got != want {
				t.Fatalf("%s: first page of block %#x: %d; a search gives %d", name, block, got, want)
			}
		}
	}
}
