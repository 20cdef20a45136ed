package linkage

import "sync"

// DefaultCacheRecords is how many records the candidate cache holds by
// default: at ~200 bytes each, about 100 MB.
const DefaultCacheRecords = 500_000

// candidateCache keeps recently read or registered records as matching sees
// them (person and features), so that the members of common blocks, which
// nearly every new record is compared with, are not read from the store
// again and again. It is bounded: two generations of at most half the
// capacity each; a hit in the old one moves the record to the new one, and
// when the new one is full the old one is dropped.
//
// Features never change; a record's person changes only by a merge or a
// split, which the change log records. The index empties the cache whenever
// the log has grown since it last looked, including by another server on a
// shared store, so a cached person is never stale.
type candidateCache struct {
	mu       sync.Mutex
	half     int
	cur, old map[uint64]candidate
	seq      uint64 // the change log's last sequence number the cache is valid for
}

func newCandidateCache(capacity int) *candidateCache {
	c := &candidateCache{half: max(capacity/2, 1)}
	c.clear()
	return c
}

func (c *candidateCache) clear() {
	c.cur, c.old = make(map[uint64]candidate), make(map[uint64]candidate)
}

// validFor empties the cache unless the change log still ends at seq.
func (c *candidateCache) validFor(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq != c.seq {
		c.clear()
		c.seq = seq
	}
}

// validSeq is the change sequence number the cache is valid for.
func (c *candidateCache) validSeq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// get returns the cached record id.
func (c *candidateCache) get(id uint64) (candidate, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[id]; ok {
		return v, true
	}
	v, ok := c.old[id]
	if ok {
		c.putLocked(id, v)
	}
	return v, ok
}

// put caches record id as read when the change log ended at seq; a record
// read before a change the cache has since seen is not kept.
func (c *candidateCache) put(id uint64, v candidate, seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq == c.seq {
		c.putLocked(id, v)
	}
}

func (c *candidateCache) putLocked(id uint64, v candidate) {
	if len(c.cur) >= c.half {
		// The old generation's map, emptied, takes the new one: a new
		// map each time was 0.86 of 26.6 GB allocated over a 1M run
		// (the records are held by value, some 200 bytes each).
		c.old, c.cur = c.cur, c.old
		clear(c.cur)
	}
	c.cur[id] = v
}

// len is the number of records held.
func (c *candidateCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
