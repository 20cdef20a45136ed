package badgerstore_test

import (
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
