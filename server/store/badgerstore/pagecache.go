package badgerstore

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
)

// A lookup reads a run page (a pread and a GCM open, ~3 µs) for nearly
// every block that has members, about four per registered record: at a
// million records that was a seventh of registration's CPU. The page cache
// keeps decrypted pages within a byte budget, so that a hit costs a
// search of the page in memory. Blocks are keyed hashes, so lookups fall evenly on the pages, and
// the hit rate is about the share of the runs' pages the budget holds.
//
// Pages are immutable (a run never changes, and run numbers are never
// used twice), so a cached page is never stale. A run written (a flush or
// a merge) puts its pages in as it writes them: they replace the pages of
// the runs it was made from, which are read no more. Merges read their
// inputs past the cache.
//
// The pages live in one allocation without pointers, so the garbage
// collector neither scans them nor sees garbage when a page is replaced (a
// cache of per-page slices made its work 2.3 times what it was). The cache
// is direct-mapped: a page's key picks its slot, which holds the page's
// length and the page, and the slot's tag (its key) is in an array of
// tags that fits the CPU's second-level cache (1 MiB for 128 MiB of pages):
// a page not cached costs no memory access, and one cached costs one, to
// its slot (a Go map in front of the slots cost a cache miss more, and on
// this VM a miss is some 500 ns: more than half of a lookup's saving; with
// the tag in the slot, checking it was two thirds of the cache's cost).
// Lookups fall evenly on the pages, so a page replaced by another that
// maps to its slot is as good a loss as any. A reader reads its page in
// place, under the lock of the slot's stripe.
//
// A page read from its file goes in only on its second miss in its slot
// (admit). Once the runs outgrow the budget many times over (1.7 GB of
// runs at eleven million records) most pages read are not read again
// before another replaces them, and copying each one in was 5% of
// registration's CPU: admitting on the second miss cut the CPU per record
// there by about 6% (three alternated runs each), at the same cost at a
// million records. A run's pages as it is written go in at once (put):
// they replace its inputs' pages.
type pageCache struct {
	// tags holds each slot's key + 1 (0: empty), apart from the pages:
	// 8 bytes a slot, so that they stay in the CPU's caches and a page
	// that is not cached costs no miss. Read without the lock, a tag is a
	// hint; get checks it again under the lock.
	tags  []atomic.Uint64
	pages []byte // per slot: length (2 bytes), page
	locks [pageCacheStripes]sync.Mutex
	// missed holds per slot the key + 1 of the last page read from its
	// file there (admit).
	missed []atomic.Uint64
}

const pageCacheStripes = 64

// pageSlotBytes is a slot's page: its length and its plaintext (at most
// runPageBytes).
const pageSlotBytes = 2 + runPageBytes

// newPageCache returns a cache of about budget bytes of pages, or nil for
// a budget too small to hold a page per stripe.
func newPageCache(budget int64) *pageCache {
	n := budget / (8 + pageSlotBytes)
	if n < pageCacheStripes {
		return nil
	}
	return &pageCache{tags: make([]atomic.Uint64, n), pages: make([]byte, n*pageSlotBytes), missed: make([]atomic.Uint64, n)}
}

// pageKey names page i of run id: run numbers stay far below 2^40, and a
// run has fewer than 2^24 pages.
func pageKey(run uint64, i int) uint64 { return run<<24 | uint64(i) }

// slot returns the number of key's slot.
func (c *pageCache) slot(key uint64) uint64 {
	return mix64(key) % uint64(len(c.tags))
}

// view calls fn with the cached page of key, under the lock of its
// slot's stripe, and reports whether it was cached (false too with c nil:
// no cache). fn must not keep the page, and should be quick: reading the
// page where it lies saves copying 4 KiB for the few pairs a lookup needs.
func (c *pageCache) view(key uint64, fn func(page)) bool {
	if c == nil {
		return false
	}
	i := c.slot(key)
	if c.tags[i].Load() != key+1 {
		return false
	}
	mu := &c.locks[i%pageCacheStripes]
	mu.Lock()
	defer mu.Unlock()
	if c.tags[i].Load() != key+1 {
		return false // replaced meanwhile
	}
	slot := c.pages[i*pageSlotBytes:][:pageSlotBytes]
	n := int(binary.BigEndian.Uint16(slot))
	fn(page(slot[2 : 2+n]))
	return true
}

// admit caches a copy of p, a page read from its file because it was not
// cached, if it was the last page read from its file in its slot before;
// else it remembers it as that. With c nil it does nothing.
func (c *pageCache) admit(key uint64, p page) {
	if c != nil && c.missed[c.slot(key)].Swap(key+1) == key+1 {
		c.put(key, p)
	}
}

// put caches a copy of p in key's slot, in the place of what was there;
// with c nil (no cache) it does nothing.
func (c *pageCache) put(key uint64, p page) {
	if c == nil || len(p) > runPageBytes {
		return // not a page a run writes
	}
	i := c.slot(key)
	mu := &c.locks[i%pageCacheStripes]
	mu.Lock()
	defer mu.Unlock()
	slot := c.pages[i*pageSlotBytes:][:pageSlotBytes]
	binary.BigEndian.PutUint16(slot, uint16(len(p)))
	copy(slot[2:], p)
	c.tags[i].Store(key + 1)
}
