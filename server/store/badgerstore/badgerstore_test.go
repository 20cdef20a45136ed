package badgerstore_test

import (
	"bytes"
	"io"
	"log/slog"
	"testing"

	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
	"github.com/ttpnl/ttp/server/store/storetest"
)

// testKey is the tests' encryption key.
var testKey = bytes.Repeat([]byte{7}, 32)

// testConfig keeps the caches of the many small test stores small.
func testConfig() badgerstore.Config {
	c := badgerstore.DefaultConfig()
	c.BlockCacheBytes = 8 << 20
	c.IndexCacheBytes = 8 << 20
	// Small posting buffers, so that the suite writes and merges runs.
	c.PostingBufferPairs = 16
	return c
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// open opens the store in dir, closed when the test ends.
func open(t testing.TB, dir string) *badgerstore.Store {
	t.Helper()
	s, err := badgerstore.OpenConfig(dir, testKey, quiet, testConfig())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	dirs := map[store.Store]string{}
	storetest.Run(t, storetest.Factory{
		New: func(t *testing.T) store.Store {
			dir := t.TempDir()
			s := open(t, dir)
			dirs[s] = dir
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			dir := dirs[s]
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s2 := open(t, dir)
			dirs[s2] = dir
			return s2
		},
	})
}
