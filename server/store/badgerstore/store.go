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
	t := newTx(txn, true, s.filter)
	if err := fn(t); err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	// With SyncWrites, Commit returns once the write is on disk.
	return fail("commit", txn.Commit())
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
	return fn(newTx(txn, false, s.filter))
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
	return fail("close", s.db.Close())
}
