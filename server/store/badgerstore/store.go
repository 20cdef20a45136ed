package badgerstore

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// Store is a store.Store in a Badger directory.
type Store struct {
	db  *badger.DB
	log *slog.Logger

	// mu serialises Update transactions, and Close with them. One process
	// owns the directory, so this is every lock the contract asks for.
	mu     sync.Mutex
	closed atomic.Bool // also read by View, which does not take mu

	// filter spares reads of absent index keys (keyfilter.go).
	filter *keyFilter
	// postings holds the block postings (runset.go).
	postings *postingSet

	// stop ends the background work (the trimmer, trim.go, and the
	// filter's fill), which background waits for.
	stop       chan struct{}
	background sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// Update runs fn in a read-write transaction, alone: the next Update
// starts when this one has committed or rolled back.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return fail("update", badger.ErrDBClosed)
	}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	t := s.newTx(txn, true)
	if err := fn(t); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	// With SyncWrites, Commit returns once the write is on disk.
	if err := txn.Commit(); err != nil {
		return fail("commit", err)
	}
	s.postings.committed(t.added, t.logSeq, t.deleted)
	return nil
}

// View runs fn in a read-only transaction on a snapshot; Updates go on
// beside it.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return fail("view", badger.ErrDBClosed)
	}
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	return fn(s.newTx(txn, false))
}

// Shared is false: one process owns a Badger directory.
func (s *Store) Shared() bool { return false }

// Close waits for a running Update and closes the database. Closing twice
// does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil
	}
	s.closed.Store(true)
	close(s.stop)
	s.background.Wait()
	s.postings.close()
	return fail("close", s.db.Close())
}

// newTx is a transaction of the store.
func (s *Store) newTx(txn *badger.Txn, update bool) *tx {
	t := newTx(txn, update, s.filter)
	t.postings = s.postings
	return t
}
