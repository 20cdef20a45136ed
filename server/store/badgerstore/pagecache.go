package badgerstore

import (
	"encoding/binary"
	"sync"
)

// A lookup reads a run page (a pread and a GCM open, ~3 µs) for nearly
// every block that has members, about four per registered record: at a
// million records that was a seventh of registration's CPU. The page cache
// keeps decrypted pages within a byte budget, so that a hit costs a copy. Blocks are keyed hashes, so lookups fall evenly on
// the pages, and the hit rate is about the share of the runs' pages the
// budget holds.
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
// is direct-mapped: a page's key picks its slot, which holds the key, the
// page's length and the page, so that a lookup touches one place in
// memory (a Go map in front of the slots cost a cache miss more, and on
// this VM a miss is some 500 ns: more than half of a lookup's saving).
// Lookups fall evenly on the pages, so a page replaced by another that
// maps to its slot is as good a loss as any. A reader copies its page out
// under the lock of the slot's stripe.
type pageCache struct {
	slots []byte // per slot: key + 1 (8 bytes; 0: empty), length (2), page
	locks [pageCacheStripes]sync.Mutex
}

const pageCacheStripes = 64

// pageSlotBytes is a slot: the key, the length and a page's plaintext (at
// most runPageBytes).
const pageSlotBytes = 8 + 2 + runPageBytes

// newPageCache returns a cache of about budget bytes of pages, or nil for
// a budget too small to hold a page per stripe.
func newPageCache(budget int64) *pageCache {
	n := budget / pageSlotBytes
	if n < pageCacheStripes {
		return nil
	}
	return &pageCache{slots: make([]byte, n*pageSlotBytes)}
}

// pageKey names page i of run id: run numbers stay far below 2^40, and a
// run has fewer than 2^24 pages.
func pageKey(run uint64, i int) uint64 { return run<<24 | uint64(i) }

// slot returns key's slot and the lock that guards it.
func (c *pageCache) slot(key uint64) ([]byte, *sync.Mutex) {
	i := mix64(key) % uint64(len(c.slots)/pageSlotBytes)
	return c.slots[i*pageSlotBytes:][:pageSlotBytes], &c.locks[i%pageCacheStripes]
}

// get copies the cached page into buf (which it grows if need be) and
// returns it; nil if the page is not cached or c is nil (no cache).
func (c *pageCache) get(key uint64, buf []byte) page {
	if c == nil {
		return nil
	}
	slot, mu := c.slot(key)
	mu.Lock()
	defer mu.Unlock()
	if binary.BigEndian.Uint64(slot) != key+1 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(slot[8:]))
	return append(buf[:0], slot[10:10+n]...)
}

// put caches a copy of p in key's slot, in the place of what was there;
// with c nil (no cache) it does nothing.
func (c *pageCache) put(key uint64, p page) {
	if c == nil || len(p) > runPageBytes {
		return // not a page a run writes
	}
	slot, mu := c.slot(key)
	mu.Lock()
	defer mu.Unlock()
	binary.BigEndian.PutUint64(slot, key+1)
	binary.BigEndian.PutUint16(slot[8:], uint16(len(p)))
	copy(slot[10:], p)
}
