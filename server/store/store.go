// Package store opens the server's Badger database: one store on disk for
// domains, keys and the audit log (and later the person index).
//
// Every write is durable before Commit returns (SyncWrites), because an
// accepted change and its audit record must survive kill -9. The files are
// encrypted at rest with Badger's own AES encryption, under a key derived from
// the KEK, so a copy of the data directory alone reveals nothing.
package store

import (
	"fmt"
	"log/slog"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Open opens (or creates) the store in dir, encrypted under storeKey (32
// bytes). A wrong key fails here, not on first read.
func Open(dir string, storeKey []byte, log *slog.Logger) (*badger.DB, error) {
	opts := badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithEncryptionKey(storeKey).
		// Badger requires an index cache when encryption is on. Reads are
		// rare (the person index is loaded once, at start), so the caches
		// stay small and the memory goes to the index.
		WithIndexCacheSize(32 << 20).
		WithBlockCacheSize(32 << 20).
		// What we store is keyed hashes and ciphertext: incompressible.
		// Compressing it would only cost CPU and table-building buffers.
		WithCompression(options.None).
		WithLogger(badgerLogger{log.With("component", "badger")}).
		// Keep memory modest: with encryption on, every table Badger builds
		// (memtable flushes, compactions) holds buffers the size of the
		// table, so small memtables and few compactors keep the peak down.
		WithNumMemtables(2).
		WithMemTableSize(16 << 20).
		WithNumCompactors(2)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dir, err)
	}
	return db, nil
}

// badgerLogger routes Badger's messages to slog. Badger logs file names and
// table statistics, never values.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.log.Error(fmt.Sprintf(f, a...)) }
func (l badgerLogger) Warningf(f string, a ...any) { l.log.Warn(fmt.Sprintf(f, a...)) }
func (l badgerLogger) Infof(f string, a ...any)    { l.log.Debug(fmt.Sprintf(f, a...)) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.log.Debug(fmt.Sprintf(f, a...)) }
