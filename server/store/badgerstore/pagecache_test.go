package badgerstore

import (
	"bytes"
	"slices"
	"testing"
)

// TestPageCacheKeepsWhatIsRead: a cached page is seen as it was put
// (a copy: the caller's buffer is reused), a page not put is absent (page
// 0 of run 0 too, whose key is that of an empty slot's), and a page put in
// an occupied slot takes its place.
func TestPageCacheKeepsWhatIsRead(t *testing.T) {
	c := newPageCache(1000 * pageSlotBytes)
	if c == nil {
		t.Fatal("no cache for a budget of a thousand pages")
	}
	if got := cached(c, pageKey(0, 0)); got != nil {
		t.Fatalf("page 0 of run 0, never put: %q", got)
	}
	buf := []byte("page one, fourteen b")
	c.put(pageKey(1, 0), buf)
	copy(buf, "overwritten by a rea")
	if got := cached(c, pageKey(1, 0)); !bytes.Equal(got, []byte("page one, fourteen b")) {
		t.Fatalf("cached page %q; want the bytes as put", got)
	}
	if cached(c, pageKey(1, 1)) != nil || cached(c, pageKey(2, 0)) != nil {
		t.Fatal("a page never put is cached")
	}
	// A page of another key that maps to the same slot replaces it.
	mine := c.slot(pageKey(1, 0))
	other := pageKey(3, 1)
	for c.slot(other) != mine {
		other++
	}
	c.put(other, bytes.Repeat([]byte{7}, 28))
	if cached(c, pageKey(1, 0)) != nil {
		t.Error("a page replaced in its slot is still found")
	}
	if got := cached(c, other); !bytes.Equal(got, bytes.Repeat([]byte{7}, 28)) {
		t.Errorf("the page that replaced it: %v", got)
	}
	var nilCache *pageCache
	if nilCache.view(pageKey(1, 0), func(page) { t.Error("no cache called its viewer") }) {
		t.Error("no cache has a page")
	}
	if newPageCache(0) != nil || newPageCache(pageCacheStripes*(8+pageSlotBytes)-1) != nil {
		t.Error("a cache for a budget that holds no page a stripe")
	}
}

// TestPageCacheAdmitsOnTheSecondMiss: a page read from its file is cached
// the second time it is read, not the first, and only if no other page
// was read from its file in its slot in between; a page put (as a run
// writes it) is cached at once.
func TestPageCacheAdmitsOnTheSecondMiss(t *testing.T) {
	c := newPageCache(1000 * pageSlotBytes)
	key := pageKey(4, 2)
	c.admit(key, []byte("read once"))
	if cached(c, key) != nil {
		t.Fatal("a page read once is cached")
	}
	c.admit(key, []byte("read twice"))
	if got := cached(c, key); !bytes.Equal(got, []byte("read twice")) {
		t.Fatalf("a page read twice: cached %q", got)
	}
	later, other := pageKey(5, 0), pageKey(6, 0)
	for c.slot(other) != c.slot(later) {
		other++
	}
	c.admit(later, []byte("later"))
	c.admit(other, []byte("other"))
	c.admit(later, []byte("later"))
	if cached(c, later) != nil {
		t.Error("a page cached on its second read after another page was read in its slot")
	}
	c.put(pageKey(7, 0), []byte("written"))
	if got := cached(c, pageKey(7, 0)); !bytes.Equal(got, []byte("written")) {
		t.Errorf("a page put: cached %q", got)
	}
	var nilCache *pageCache
	nilCache.admit(key, []byte("no cache")) // must not panic
}

// cached returns a copy of the page of key that c holds, nil if none.
func cached(c *pageCache, key uint64) []byte {
	var p []byte
	if !c.view(key, func(v page) { p = bytes.Clone(v) }) {
		return nil
	}
	return p
}

// TestRunPagesThroughTheCache: a run written with a cache leaves its pages
// there, and a read of every block gives the same members from the cache
// without reading the file; a run written without one reads the file,
// and what it reads twice goes into the cache for the next read. It fails if a
// cached page differs from the file's (a page keyed by another run's
// number or another page's), or if nothing is cached.
func TestRunPagesThroughTheCache(t *testing.T) {
	for _, written := range []bool{true, false} {
		c := newPageCache(64 << 20)
		var wc *pageCache
		if written {
			wc = c
		}
		r, want := testRunThrough(t, t.TempDir(), wc)
		for pass := range 3 {
			var pages, cached int
			for block, ids := range want {
				got, n, hits, err := r.read(block, 1000, nil, nil, c)
				if err != nil || !slices.Equal(got, ids) {
					t.Fatalf("written through the cache %v, pass %d: block %d: %v, %v; want %v", written, pass, block, got, err, ids)
				}
				pages, cached = pages+n, cached+hits
			}
			if wantAll := written || pass == 2; wantAll && cached != pages || !wantAll && cached == pages {
				t.Errorf("written through the cache %v, pass %d: %d of %d pages from the cache", written, pass, cached, pages)
			}
		}
	}
}
