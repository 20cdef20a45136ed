package linkage

import "sync/atomic"

// WorkCounts counts what registration asked of the store and the
// candidate cache since the index opened. Counts, unlike timings, do not
// depend on what else the machine runs: ttpeval -speed prints them per
// record to show how the work grows with the index.
type WorkCounts struct {
	Blocks    int64 // distinct blocks looked up (per batch)
	Members   int64 // block members found
	CacheHits int64 // candidates found in the candidate cache
	Reads     int64 // candidates read from the store
	Compared  int64 // candidate records a record was compared with (pairs scored)
	// SettledByBSN counts the records whose BSN block decided them, so
	// that their other blocks were not read (bsnfirst.go).
	SettledByBSN int64
}

type workCounters struct{ blocks, members, cacheHits, reads, compared, settledByBSN atomic.Int64 }

func (w *workCounters) count(blocks, members, hits, reads int) {
	w.blocks.Add(int64(blocks))
	w.members.Add(int64(members))
	w.cacheHits.Add(int64(hits))
	w.reads.Add(int64(reads))
}

// WorkCounts returns the counts so far.
func (ix *Index) WorkCounts() WorkCounts {
	return WorkCounts{Blocks: ix.work.blocks.Load(), Members: ix.work.members.Load(),
		CacheHits: ix.work.cacheHits.Load(), Reads: ix.work.reads.Load(), Compared: ix.work.compared.Load(),
		SettledByBSN: ix.work.settledByBSN.Load()}
}
