package badgerstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

func openSmallBuffer(t *testing.T, dir string) *Store {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BlockCacheBytes, cfg.IndexCacheBytes = 8<<20, 8<<20
	cfg.PostingBufferPairs = 200
	s, err := OpenConfig(dir, bytes32, slog.New(slog.DiscardHandler), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var bytes32 = make([]byte, 32)

// TestPostingsAcrossRunsMergesAndReopens registers records in many batches
// with a small buffer, so that runs are written and merged in the
// background, deletes some, reopens the store twice, and compares every
// block's members with a model.
func TestPostingsAcrossRunsMergesAndReopens(t *testing.T) {
	dir := t.TempDir()
	s := openSmallBuffer(t, dir)
	rng := rand.New(rand.NewPCG(5, 6))
	model := map[uint64][]uint64{} // block → IDs
	deleted := map[uint64]bool{}
	var id uint64
	ctx := context.Background()
	for batch := range 60 {
		var recs []store.IndexRecord
		for range 40 {
			id++
			blocks := []uint64{rng.Uint64N(300) + 1, 1000 + rng.Uint64N(5), rng.Uint64()}
			for _, b := range blocks {
				model[b] = append(model[b], id)
			}
			recs = append(recs, store.IndexRecord{ID: id, Source: 1<<40 + id, Person: id, Blocks: blocks})
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().Add(recs) }); err != nil {
			t.Fatal(err)
		}
		if batch%10 == 9 {
			gone := []uint64{id - 3, id - 17}
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().DeleteRecords(gone) }); err != nil {
				t.Fatal(err)
			}
			for _, g := range gone {
				deleted[g] = true
			}
		}
		if batch == 20 || batch == 45 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openSmallBuffer(t, dir)
		}
	}
	defer s.Close()
	s.postings.mu.RLock()
	runs := len(s.postings.runs)
	s.postings.mu.RUnlock()
	if runs < 2 {
		t.Fatalf("%d runs; the test wants several", runs)
	}
	check := func(when string) {
		t.Helper()
		blocks := make([]uint64, 0, len(model))
		for b := range model {
			blocks = append(blocks, b)
		}
		err := s.View(ctx, func(tx store.Tx) error {
			got, err := tx.Index().BlockMembers(blocks, 64)
			if err != nil {
				return err
			}
			for _, b := range blocks {
				want := slices.DeleteFunc(slices.Clone(model[b]), func(id uint64) bool { return deleted[id] })
				slices.SortFunc(want, func(x, y uint64) int { return cmp.Compare(y, x) })
				want = want[:min(64, len(want))]
				if !slices.Equal(got[b], want) {
					s.postings.mu.RLock()
					for _, r := range s.postings.runs {
						t.Logf("run %d level %d maxID %d pairs %d", r.id, r.level, r.maxID, r.pairs)
					}
					t.Logf("buf %d chunks, frozen %d chunks", len(s.postings.buf.batches), len(s.postings.frozen.batches))
					s.postings.mu.RUnlock()
					t.Fatalf("%s: block %d: got %v, want %v", when, b, got[b], want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check("before merges finish")
	// Let the merger finish: no level with mergeFanIn runs.
	settle, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := s.Settle(settle); err != nil {
		t.Fatalf("runs not merged in 20 s: %v", err)
	}
	if s.postings.pickMerge() != nil {
		t.Fatal("settled with runs left to merge")
	}
	check("after merges")
	files, _ := filepath.Glob(filepath.Join(dir, "postings", "run-*.ttp"))
	s.postings.mu.RLock()
	live := len(s.postings.runs)
	s.postings.mu.RUnlock()
	if len(files) != live {
		t.Errorf("%d run files for %d live runs: merged runs must be removed", len(files), live)
	}
}

// TestLookupsDuringFlushes: a lookup right after a flush's run joins the
// runs finds a block's perBlock newest members. One record in ten has the
// block (IDs 1, 11, 21, ...), so that a frozen buffer holds 7 or 8 of
// them, fewer than perBlock: a lookup that saw the frozen buffer and the
// run written from it both counted those twice (more than perBlock), and
// stopped asking the older runs with only 7 or 8.
func TestLookupsDuringFlushes(t *testing.T) {
	s := openSmallBuffer(t, t.TempDir())
	defer s.Close()
	ctx := context.Background()
	const shared, perBlock = 7, 12
	var checked int
	var failure error
	s.postings.afterSwap = func() {
		err := s.View(ctx, func(tx store.Tx) error {
			got, err := tx.Index().BlockMembers([]uint64{shared}, perBlock)
			if err != nil {
				return err
			}
			ids := got[shared]
			for i := 1; i < len(ids); i++ {
				if ids[i] != ids[i-1]-10 {
					return fmt.Errorf("members %v: not the newest", ids)
				}
			}
			if len(ids) < perBlock && (len(ids) == 0 || ids[len(ids)-1] != 1) {
				return fmt.Errorf("members %v: fewer than %d", ids, perBlock)
			}
			return nil
		})
		checked++
		if failure == nil {
			failure = err
		}
	}
	var id uint64
	for range 100 {
		var recs []store.IndexRecord
		for i := range 10 {
			id++
			blocks := []uint64{1<<32 + id}
			if i == 0 {
				blocks = append(blocks, shared)
			}
			recs = append(recs, store.IndexRecord{ID: id, Source: 1<<40 + id, Person: id, Blocks: blocks})
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().Add(recs) }); err != nil {
			t.Fatal(err)
		}
	}
	settle, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := s.Settle(settle); err != nil {
		t.Fatal(err)
	}
	s.postings.manifestMu.Lock() // after the last swap
	defer s.postings.manifestMu.Unlock()
	if failure != nil {
		t.Fatal(failure)
	}
	if checked < 10 {
		t.Fatalf("%d lookups after a swap; the test wants flushes and merges", checked)
	}
}

// TestUnfinishedRunRemoved: a run file the manifest does not name (a
// crash before the swap) is deleted at open.
func TestUnfinishedRunRemoved(t *testing.T) {
	dir := t.TempDir()
	s := openSmallBuffer(t, dir)
	s.Close()
	stray := filepath.Join(dir, "postings", runFileName(99))
	if err := os.WriteFile(stray, []byte("half a run"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = openSmallBuffer(t, dir)
	defer s.Close()
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Fatalf("unfinished run still there after open: %v", err)
	}
}

// TestMigrateKeys opens a store whose postings are Badger keys, as a
// version before runs wrote them: block heads and chunks, source keys and
// person member keys. They move into a run, and the keys go.
func TestMigrateKeys(t *testing.T) {
	dir := t.TempDir()
	s := openSmallBuffer(t, dir)
	rec := store.IndexRecord{ID: 90, Source: 555, Person: 77, Blocks: []uint64{7}}
	// Block 7: a head with 3 members and two chunks; block 8: a head
	// alone; record 90 under its source and person.
	err := s.db.Update(func(txn *badger.Txn) error {
		for k, v := range map[string][]byte{
			string(numKey(headPrefix, 7)):     (&posting{ids: []uint64{90, 80, 70}, chunks: 2}).encode(),
			string(chunkKey(7, 1)):            appendIDs(nil, []uint64{60, 50}),
			string(chunkKey(7, 0)):            appendIDs(nil, []uint64{40, 30}),
			string(numKey(headPrefix, 8)):     (&posting{ids: []uint64{85}}).encode(),
			string(numKey(sourcePrefix, 555)): binary.BigEndian.AppendUint64(nil, 90),
			string(memberKey(77, 90)):         nil,
			string(numKey(recordPrefix, 90)):  encodeRecord(&rec),
			string(numKey(personPrefix, 77)):  nil,
		} {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openSmallBuffer(t, dir)
	defer s.Close()
	// An Update: a View leaves out IDs above the counters' largest, and
	// this store's counters were not written.
	err = s.Update(context.Background(), func(tx store.Tx) error {
		got, err := tx.Index().BlockMembers([]uint64{7, 8}, 5)
		if err != nil {
			return err
		}
		if !slices.Equal(got[7], []uint64{90, 80, 70, 60, 50}) || !slices.Equal(got[8], []uint64{85}) {
			t.Errorf("blocks after migration: %v", got)
		}
		bySource, err := tx.Index().BySource([]uint64{555})
		if err != nil {
			return err
		}
		if bySource[555].ID != 90 {
			t.Errorf("source after migration: %v", bySource)
		}
		of, err := tx.Index().OfPerson(77, 10)
		if err != nil {
			return err
		}
		if len(of) != 1 || of[0].ID != 90 {
			t.Errorf("person's records after migration: %v", of)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{headPrefix, chunkPrefix, sourcePrefix, memberPrefix} {
		err := s.db.View(func(txn *badger.Txn) error {
			return newTx(txn, false, nil).scan("test", prefix, nil, true, func(_, _ []byte) error {
				t.Errorf("a %s key remains after migration", prefix)
				return errStop
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestFailedFlushKeepsTheBuffer: a flush that cannot write its run leaves
// every buffered posting where lookups find it (the frozen buffer and the
// batches committed meanwhile, and their filter), and the next flush
// writes them all.
func TestFailedFlushKeepsTheBuffer(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.BlockCacheBytes, cfg.IndexCacheBytes = 8<<20, 8<<20
	cfg.PostingBufferPairs = 1 << 20 // no flush but the test's
	s, err := OpenConfig(dir, bytes32, slog.New(slog.DiscardHandler), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	add := func(first uint64) {
		var recs []store.IndexRecord
		for id := first; id < first+10; id++ {
			recs = append(recs, store.IndexRecord{ID: id, Source: 1<<40 + id, Person: id, Blocks: []uint64{1<<32 + id, 7}})
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Index().Add(recs) }); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, last uint64) {
		t.Helper()
		err := s.View(ctx, func(tx store.Tx) error {
			for id := uint64(1); id <= last; id++ {
				got, err := tx.Index().BlockMembers([]uint64{1<<32 + id}, 5)
				if err != nil {
					return err
				}
				if !slices.Equal(got[1<<32+id], []uint64{id}) {
					return fmt.Errorf("block of record %d: members %v", id, got[1<<32+id])
				}
			}
			got, err := tx.Index().BlockMembers([]uint64{7}, 1000)
			if err == nil && len(got[7]) != int(last) {
				err = fmt.Errorf("shared block: %d members, want %d", len(got[7]), last)
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	add(1)
	add(11)
	// The runs' directory replaced by a file: the run cannot be created.
	runs := filepath.Join(dir, "postings")
	if err := os.Rename(runs, runs+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(runs, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.postings.flush(); err == nil {
		t.Fatal("a flush into a file, not a directory, succeeded")
	}
	add(21)
	check("after the failed flush", 30)
	if err := os.Remove(runs); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(runs+".away", runs); err != nil {
		t.Fatal(err)
	}
	if err := s.postings.flush(); err != nil {
		t.Fatal(err)
	}
	s.postings.mu.RLock()
	buffered, nruns := len(s.postings.buf.batches), len(s.postings.runs)
	s.postings.mu.RUnlock()
	if buffered != 0 || nruns != 1 {
		t.Fatalf("after the second flush: %d batches buffered, %d runs; want 0 and 1", buffered, nruns)
	}
	check("after the second flush", 30)
}
