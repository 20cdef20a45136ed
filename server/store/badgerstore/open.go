package badgerstore

import (
	"fmt"
	"log/slog"
	"strings"
	"syscall"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/ttpnl/ttp/server/store"
)

// Config sets the memory a Store may use. The defaults (DefaultConfig) keep
// an index of ten million records under a few hundred MiB of caches.
type Config struct {
	// MemTableBytes is the size of each of Badger's two memtables. It also
	// bounds one transaction, to 15% of it: the largest batch the server
	// writes (TestLargestBatchFits: 1,000 new records and persons with
	// their sealed sources, domain membership and the batch's postings)
	// must fit, which 8 MiB does (1.2 MB). A memtable is flushed into a
	// table of its size, and Badger's table builders keep the buffers of
	// the largest table they built for the next one (up to eight of them
	// pooled): 32 MiB memtables kept some 400 MB of builders at 1,000,000
	// records.
	MemTableBytes int64
	// BlockCacheBytes caches decrypted table blocks: the hot part of the
	// person index's keys and record pointers. Without it every read
	// decrypts a block.
	BlockCacheBytes int64
	// BlockBytes is the size of the blocks tables are read in. A smaller
	// block means less to decrypt on a cache miss but a larger table index,
	// which Badger looks up in its index cache at every step of a search
	// when encryption is on: 1 KiB blocks cost 50% more CPU per record
	// than Badger's 4 KiB in BenchmarkRegisterBatch at 1,000,000 records.
	BlockBytes int
	// IndexCacheBytes caches the tables' indexes and bloom filters, which
	// make a read of an absent key cheap. With encryption on, a table whose
	// index is not cached has it read and decrypted whole for a single key:
	// give them room for all (when each block's postings were Badger keys,
	// 64 MiB at 7,800,000 records made registration cost 4.6 times the CPU
	// per record that 256 MiB did). With the records in the record log the
	// tables hold keys and short values: 96 MiB is room for far more than
	// ten million records; the cache takes only what is used.
	IndexCacheBytes int64
	// LevelZeroTables is how many tables (memtable flushes) Badger lets
	// pile up before it merges them into the levels below. A read checks
	// every one of them, so fewer make reads cheaper and compaction busier.
	LevelZeroTables int
	// MappedBytes bounds the table pages Badger's file mappings keep
	// resident (trim.go); 0 leaves them to the kernel.
	MappedBytes int64
	// BaseLevelBytes is the size of the first level below level 0; each
	// level after is ten times the one before. A larger base means fewer
	// levels, so fewer tables per read and less rewriting.
	BaseLevelBytes int64
	// RunPageCacheBytes is the budget of decrypted posting-run pages kept
	// for lookups (pagecache.go); 0: none.
	RunPageCacheBytes int64
	// PointerMirrorBytes bounds the record pointers kept in memory
	// (pointermirror.go), 8 bytes a record: the records with IDs beyond
	// it are read through the pointer file alone; 0: none.
	PointerMirrorBytes int64
	// PostingBufferPairs is how many block postings (about six per record)
	// are kept in memory, besides their batch logs, before they are
	// written to a posting run (runset.go); about 50 bytes each.
	PostingBufferPairs int
}

// DefaultConfig is the configuration Open uses.
func DefaultConfig() Config {
	return Config{
		MemTableBytes:   8 << 20,
		BlockCacheBytes: 64 << 20,
		BlockBytes:      4 << 10,
		IndexCacheBytes: 96 << 20,
		MappedBytes:     64 << 20,
		LevelZeroTables: 3,
		BaseLevelBytes:  64 << 20,

		PostingBufferPairs: 1 << 18,
		RunPageCacheBytes:  128 << 20,
		PointerMirrorBytes: 128 << 20, // 16.7 million records
	}
}

// Open opens (or creates) the store in dir, encrypted under encryptionKey
// (32 bytes), with DefaultConfig. A wrong key fails here, not on first
// read.
func Open(dir string, encryptionKey []byte, log *slog.Logger) (*Store, error) {
	return OpenConfig(dir, encryptionKey, log, DefaultConfig())
}

// OpenConfig is Open with a configuration.
//
// A flipped bit must give an error, never a wrong answer, so Badger checks
// every table whole when the store opens and every block when it reads
// one: the effect of options.OnTableAndBlockRead. That mode itself is not
// used: in Badger v4.9.6 a table whose block fails its check makes the
// whole-table check dereference a nil block (table.VerifyChecksum formats
// b.offset after t.block failed) and the process panics in a goroutine of
// badger.Open, where nothing can recover. So the store opens twice: first
// with OnTableRead, whose whole-table check reports a bad block as an
// error, then, the tables known good, with OnBlockRead for every read
// after.
func OpenConfig(dir string, encryptionKey []byte, log *slog.Logger, cfg Config) (*Store, error) {
	// The check reads every block once: caches would only fill with
	// blocks that the store, opened again, drops.
	checkCfg := cfg
	checkCfg.BlockCacheBytes, checkCfg.IndexCacheBytes = 1<<20, 8<<20
	if err := checkTables(dir, encryptionKey, log, checkCfg); err != nil {
		return nil, err
	}
	db, err := openBadger(dir, encryptionKey, log, cfg, options.OnBlockRead)
	if err != nil {
		return nil, err
	}
	work := new(workCounters)
	if err := migrateDomainMembers(db, log); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrateReidSources(db, log); err != nil {
		db.Close()
		return nil, err
	}
	postings, err := openPostings(dir, db, encryptionKey, log, cfg.PostingBufferPairs, work)
	if err != nil {
		db.Close()
		return nil, err
	}
	postings.pages = newPageCache(cfg.RunPageCacheBytes)
	records, err := openRecordLog(dir, encryptionKey, work)
	if err != nil {
		postings.close()
		db.Close()
		return nil, err
	}
	slots, err := openPointerFile(dir, db, log, work, cfg.PointerMirrorBytes)
	if err != nil {
		records.close()
		postings.close()
		db.Close()
		return nil, err
	}
	s := &Store{db: db, log: log, work: work, slots: slots, filter: newKeyFilter(), postings: postings, records: records, stop: make(chan struct{})}
	s.background.Go(func() { s.fillFilter() })
	s.background.Go(func() { postings.mergeLoop(s.stop) })
	s.background.Go(func() { postings.flushLoop(s.stop) })
	if cfg.MappedBytes > 0 {
		s.background.Go(func() { s.trimmer(dir, cfg.MappedBytes) })
	}
	return s, nil
}

// checkTables opens the store once to check every table whole, and closes
// it. It holds syscall.ForkLock meanwhile: Badger locks the directory
// through a file, and a process forked in between (a test running a
// command) would hold a copy of that file until it execs, so that the open
// that follows found the directory still locked.
func checkTables(dir string, encryptionKey []byte, log *slog.Logger, cfg Config) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	check, err := openBadger(dir, encryptionKey, log, cfg, options.OnTableRead)
	if err != nil {
		return err
	}
	if err := check.Close(); err != nil {
		return fmt.Errorf("open store in %s: %w", dir, err)
	}
	return nil
}

// openBadger opens the Badger database with the store's options.
func openBadger(dir string, encryptionKey []byte, log *slog.Logger, cfg Config, checks options.ChecksumVerificationMode) (*badger.DB, error) {
	opts := badger.DefaultOptions(dir).
		// Every write is durable before Commit returns, because an accepted
		// change and its audit record must survive kill -9.
		WithSyncWrites(true).
		// The files are encrypted at rest with Badger's own AES encryption,
		// under a key derived from the KEK, so that a copy of the data
		// directory alone reveals nothing.
		WithEncryptionKey(encryptionKey).
		WithChecksumVerificationMode(checks).
		// Badger requires an index cache when encryption is on.
		WithIndexCacheSize(cfg.IndexCacheBytes).
		WithBlockCacheSize(cfg.BlockCacheBytes).
		WithBlockSize(cfg.BlockBytes).
		// What we store is keyed hashes and ciphertext: incompressible.
		// Compressing it would only cost CPU and table-building buffers.
		WithCompression(options.None).
		WithLogger(badgerLogger{log.With("component", "badger")}).
		// Keep memory modest: with encryption on, every table Badger builds
		// (memtable flushes, compactions) holds buffers the size of the
		// table, so few memtables and few compactors keep the peak down.
		WithNumMemtables(2).
		WithMemTableSize(cfg.MemTableBytes).
		WithNumCompactors(2).
		WithNumLevelZeroTables(cfg.LevelZeroTables).
		WithNumLevelZeroTablesStall(3 * cfg.LevelZeroTables).
		WithBaseLevelSize(cfg.BaseLevelBytes).
		// Update transactions are serialised by Store.mu: there is nothing
		// to detect, and tracking reads would only cost memory.
		WithDetectConflicts(false).
		// Badger's metrics cost atomic adds on every read; the server
		// exports its own.
		WithMetricsEnabled(false)
	db, err := badger.Open(opts)
	if err != nil {
		if isCorrupt(err) {
			// Badger's message names the table file, never its content.
			return nil, fmt.Errorf("open store in %s: %w (%v)", dir, store.ErrCorrupt, err)
		}
		return nil, fmt.Errorf("open store in %s: %w", dir, err)
	}
	return db, nil
}

// badgerLogger routes Badger's messages to slog. Badger logs file names and
// table statistics, and, on a failed read, the key: a message whose format
// names a key is logged without its arguments.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.log.Error(logMessage(f, a)) }
func (l badgerLogger) Warningf(f string, a ...any) { l.log.Warn(logMessage(f, a)) }
func (l badgerLogger) Infof(f string, a ...any)    { l.log.Debug(logMessage(f, a)) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.log.Debug(logMessage(f, a)) }

// logMessage formats one of Badger's messages, without its arguments when
// the format names a key.
func logMessage(f string, a []any) string {
	if strings.Contains(strings.ToLower(f), "key:") || strings.Contains(f, "%q") {
		return strings.TrimSpace(f) + " (arguments withheld: they may quote a key)"
	}
	return strings.TrimSpace(fmt.Sprintf(f, a...))
}
