package badgerstore

import "sync/atomic"

// WorkCounts counts the reads behind the person index's lookups since the
// store opened. Unlike a timing, a count does not depend on what else the
// machine runs, so a benchmark can say exactly how the work per record
// grows with the index (ttpeval -speed prints it per record).
type WorkCounts struct {
	PostingLookups int64 // a block's or source's members asked of the runs
	RunsAsked      int64 // runs asked for them (a Bloom filter check each)
	RunPageReads   int64 // run pages looked at for them
	RunPageHits    int64 // of which the page cache held (pagecache.go)
	// EmptyRunPageReads are the pages read in a run that gave nothing:
	// mostly a Bloom filter's false positives.
	EmptyRunPageReads int64
	RecordReads       int64 // records read from the record log
	PointerGets       int64 // lookups of a record's pointer
	PointerSlots      int64 // of which the pointer file answered
	PointerMirror     int64 // of which its mirror in memory answered
	// Badger's block cache: a miss reads and decrypts a table block.
	BlockCacheHits, BlockCacheMisses int64
}

// workCounters are the store's own counts.
type workCounters struct {
	postingLookups, runsAsked, runPageReads, runPageHits, emptyRunPageReads, recordReads, pointerGets, pointerSlotHits, pointerMirrorHits atomic.Int64
}

// WorkCounts returns the counts so far.
func (s *Store) WorkCounts() WorkCounts {
	w := WorkCounts{
		PostingLookups:    s.work.postingLookups.Load(),
		RunsAsked:         s.work.runsAsked.Load(),
		RunPageReads:      s.work.runPageReads.Load(),
		RunPageHits:       s.work.runPageHits.Load(),
		EmptyRunPageReads: s.work.emptyRunPageReads.Load(),
		RecordReads:       s.work.recordReads.Load(),
		PointerGets:       s.work.pointerGets.Load(),
		PointerSlots:      s.work.pointerSlotHits.Load() + s.work.pointerMirrorHits.Load(),
		PointerMirror:     s.work.pointerMirrorHits.Load(),
	}
	if m := s.db.BlockCacheMetrics(); m != nil {
		w.BlockCacheHits, w.BlockCacheMisses = int64(m.Hits()), int64(m.Misses())
	}
	return w
}

// lookedUp counts one posting lookup: the runs it asked, the pages it
// looked at, how many of those were cached, and how many gave nothing.
func (w *workCounters) lookedUp(runs, pages, cached, empty int) {
	w.postingLookups.Add(1)
	w.runsAsked.Add(int64(runs))
	if pages > 0 {
		w.runPageReads.Add(int64(pages))
		w.runPageHits.Add(int64(cached))
		w.emptyRunPageReads.Add(int64(empty))
	}
}
