package badgerstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
)

// TestFlippedBit flips one bit in the blocks of a table file: the store
// must refuse to open with ErrCorrupt. (A bit flipped in a table's index or
// footer, at its end, makes Badger v4.9.6 panic while opening, in its own
// goroutine: not tested here, it would end the test binary.)
func TestFlippedBit(t *testing.T) {
	template := t.TempDir()
	s, err := badgerstore.OpenConfig(template, testKey, quiet, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	var recs []store.IndexRecord
	for id := uint64(1); id <= 2000; id++ {
		recs = append(recs, store.IndexRecord{ID: id, Source: 1000 + id, Person: id, Features: make([]byte, 200), Blocks: []uint64{id % 10}})
	}
	err = s.Update(context.Background(), func(tx store.Tx) error { return tx.Index().Add(recs) })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // flushes the memtable to a table
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(template, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table file after Close")
	}
	info, err := os.Stat(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, frac := range []float64{0.01, 0.25, 0.5, 0.75} {
		dir := t.TempDir()
		copyDir(t, template, dir)
		at := int64(frac * float64(info.Size()))
		flipBit(t, filepath.Join(dir, filepath.Base(tables[0])), at)
		s, err := badgerstore.OpenConfig(dir, testKey, quiet, testConfig())
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("bit flipped at %d of %d: Open: %v, want ErrCorrupt", at, info.Size(), err)
			}
			continue
		}
		t.Errorf("bit flipped at %d of %d: the store opened", at, info.Size())
		s.Close()
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func flipBit(t *testing.T, path string, at int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x10
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
}

// TestFlippedBitInRecordLog flips one bit in a segment of the record log,
// or cuts the segment short: every record must read back as it was written
// or fail with ErrCorrupt, and the damaged ones must fail.
func TestFlippedBitInRecordLog(t *testing.T) {
	template := t.TempDir()
	s, err := badgerstore.OpenConfig(template, testKey, quiet, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	record := func(id uint64) store.IndexRecord {
		return store.IndexRecord{ID: id, Source: 1000 + id, Person: id, Features: bytes.Repeat([]byte{byte(id), byte(id >> 8)}, 150)}
	}
	for first := uint64(1); first <= n; first += 500 {
		var recs []store.IndexRecord
		for id := first; id < first+500; id++ {
			recs = append(recs, record(id))
		}
		if err := s.Update(context.Background(), func(tx store.Tx) error { return tx.Index().Add(recs) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	segments := must(filepath.Glob(filepath.Join(template, "records", "seg-*.ttp")))
	if len(segments) != 1 {
		t.Fatalf("%d record log segments, want 1", len(segments))
	}
	readAll := func(s *badgerstore.Store) (failed int) {
		for id := uint64(1); id <= n; id++ {
			err := s.View(context.Background(), func(tx store.Tx) error {
				got, err := tx.Index().Records([]uint64{id})
				if err != nil {
					return err
				}
				if r, ok := got[id]; !ok || !bytes.Equal(r.Features, record(id).Features) || r.Person != id {
					t.Errorf("record %d read back wrong (found %v)", id, ok)
				}
				return nil
			})
			if err != nil {
				if !errors.Is(err, store.ErrCorrupt) {
					t.Errorf("record %d: %v, want ErrCorrupt", id, err)
				}
				failed++
			}
		}
		return failed
	}
	for _, frac := range []float64{0.001, 0.5, 0.999} {
		dir := t.TempDir()
		copyDir(t, template, dir)
		path := filepath.Join(dir, "records", filepath.Base(segments[0]))
		flipBit(t, path, int64(frac*float64(must(os.Stat(path)).Size())))
		s, err := badgerstore.OpenConfig(dir, testKey, quiet, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		if failed := readAll(s); failed != 1 {
			t.Errorf("bit flipped at %.3f of the segment: %d records failed, want 1", frac, failed)
		}
		s.Close()
	}
	// A segment cut short, as a copy that stopped part way leaves it.
	dir := t.TempDir()
	copyDir(t, template, dir)
	path := filepath.Join(dir, "records", filepath.Base(segments[0]))
	if err := os.Truncate(path, must(os.Stat(path)).Size()/2); err != nil {
		t.Fatal(err)
	}
	s, err = badgerstore.OpenConfig(dir, testKey, quiet, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if failed := readAll(s); failed < n/3 {
		t.Errorf("segment cut in half: %d records failed", failed)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
