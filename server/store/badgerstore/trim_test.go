package badgerstore

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"

	"github.com/ttpnl/ttp/server/store"
)

// TestTrimReleasesTablePages reads every table page of a store, then trims:
// the resident file pages must fall, and the data read back the same.
func TestTrimReleasesTablePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc/self/maps")
	}
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.MappedBytes = 0 // trim by hand
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	key := bytes.Repeat([]byte{7}, 32)
	s, err := OpenConfig(dir, key, quiet, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 60000
	for first := uint64(1); first <= n; first += 2000 {
		err := s.Update(context.Background(), func(tx store.Tx) error {
			// Sealed sources are Badger values (records are in the record
			// log, read with pread): 500 bytes each fill tables.
			sealed := make(map[uint64][]byte, 2000)
			for id := first; id < first+2000; id++ {
				sealed[id] = bytes.Repeat([]byte{byte(id)}, 500)
			}
			return tx.Index().PutReidSources(sealed)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Close flushes the memtables to tables; open again and read them all.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = OpenConfig(dir, key, quiet, cfg); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readAll := func() {
		t.Helper()
		err := s.View(context.Background(), func(tx store.Tx) error {
			ids := make([]uint64, n)
			for i := range ids {
				ids[i] = uint64(i + 1)
			}
			got, err := tx.Index().ReidSources(ids)
			if err == nil && (len(got) != n || got[n][0] != byte(n%256)) {
				t.Errorf("read %d sealed sources back", len(got))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readAll()
	before := residentFileBytes()
	if err := s.trim(dir); err != nil {
		t.Fatalf("trim: %v", err)
	}
	after := residentFileBytes()
	t.Logf("resident file pages: %d MiB before trimming, %d MiB after", before>>20, after>>20)
	if before < 20<<20 || after > before/2 {
		t.Errorf("resident file pages: %d MiB before trimming, %d MiB after", before>>20, after>>20)
	}
	readAll()
}
