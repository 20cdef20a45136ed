package main

import (
	"fmt"

	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

// workCount is what the index and its store had done at one moment:
// counts, which do not vary from run to run as timings do on a busy
// machine.
type workCount struct {
	index linkage.WorkCounts
	store badgerstore.WorkCounts
}

func countWork(ix *linkage.Index, st store.Store) workCount {
	w := workCount{index: ix.WorkCounts()}
	if b, ok := st.(*badgerstore.Store); ok {
		w.store = b.WorkCounts()
	}
	return w
}

// perRecord says what the work since start was per record, over records.
func (w workCount) perRecord(start workCount, records int) string {
	n := float64(records)
	per := func(now, then int64) float64 { return float64(now-then) / n }
	i, s, si, ss := w.index, w.store, start.index, start.store
	return fmt.Sprintf("settled by the BSN block %.2f, blocks %.2f, members %.1f, cache hits %.1f, store reads %.1f; posting lookups %.2f, runs asked %.1f, run pages %.2f (%.2f cached, %.2f found nothing), pointer gets %.1f (pointer file %.1f, of which in memory %.1f), record reads %.1f, table block reads %.1f (block cache hits %.1f)",
		per(i.SettledByBSN, si.SettledByBSN), per(i.Blocks, si.Blocks), per(i.Members, si.Members), per(i.CacheHits, si.CacheHits), per(i.Reads, si.Reads),
		per(s.PostingLookups, ss.PostingLookups), per(s.RunsAsked, ss.RunsAsked), per(s.RunPageReads, ss.RunPageReads), per(s.RunPageHits, ss.RunPageHits), per(s.EmptyRunPageReads, ss.EmptyRunPageReads), per(s.PointerGets, ss.PointerGets), per(s.PointerSlots, ss.PointerSlots), per(s.PointerMirror, ss.PointerMirror),
		per(s.RecordReads, ss.RecordReads), per(s.BlockCacheMisses, ss.BlockCacheMisses), per(s.BlockCacheHits, ss.BlockCacheHits))
}
