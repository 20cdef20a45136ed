package badgerstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// Store is a store.Store in a Badger directory.
type Store struct {
	db  *badger.DB
	log *slog.Logger

	// mu serialises Update transactions, and Close with them. One process
	// owns the directory, so this is every lock the contract asks for.
	// Under it, next and last: the snapshot for the next Update (nil
	// after an Update that failed), which lacks last's writes, and the
	// last Update's pending commit (pending.go).
	mu     sync.Mutex
	next   *badger.Txn
	last   *pendingCommit
	closed atomic.Bool // also read by View, which does not take mu

	// filter spares reads of absent index keys (keyfilter.go).
	filter *keyFilter
	// postings holds the block postings (runset.go).
	postings *postingSet
	// records holds the index records (recordlog.go).
	records *recordLog
	// work counts the reads of index lookups (workcount.go).
	work *workCounters
	// slots holds the record pointers by ID (pointers.go); nextVisible
	// is the last of its commits visible to next's snapshot.
	slots       *pointerFile
	nextVisible uint64
	// nextChanging are the records that commits in flight when next's
	// snapshot was taken change (pointerFile.changingRecords).
	nextChanging map[uint64]struct{}

	// stop ends the background work (the trimmer, trim.go, and the
	// filter's fill), which background waits for.
	stop       chan struct{}
	background sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// Update runs fn in a read-write transaction, after every Update before
// it, and returns when its commit is durable.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	wait, err := s.UpdateAsync(ctx, fn)
	if err != nil {
		return err
	}
	return wait()
}

// UpdateAsync runs fn in a read-write transaction, after every Update
// before it, and sends its commit; wait returns when the commit is durable,
// with its error. The next Update runs meanwhile on this one's writes
// (pending.go): registration matches its next batch while Badger writes
// the last. That Update's commit is sent only after this one is durable,
// and fails if this one failed; an Update that starts after the failure is
// known starts afresh.
func (s *Store) UpdateAsync(ctx context.Context, fn func(store.Tx) error) (wait func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, fail("update", badger.ErrDBClosed)
	}
	txn, visible, changing := s.next, s.nextVisible, s.nextChanging
	s.next, s.nextChanging = nil, nil
	var base *pendingCommit // the Update whose writes txn's snapshot lacks
	if txn != nil {
		base = s.last
	}
	if base.failed() {
		// Its snapshot would need base's writes: start afresh, as if base
		// had never been.
		txn.Discard()
		txn, base = nil, nil
	}
	if txn == nil {
		if s.last != nil {
			// Its commit sent, so that the snapshot waits for it and has it.
			<-s.last.sent
		}
		txn, visible, changing = s.snapshot(true)
	}
	t := s.newTx(txn, true, visible)
	t.changing = changing
	t.base, t.writes = base, map[string]pendingWrite{}
	if err := fn(t); err != nil {
		txn.Discard()
		return nil, err
	}
	if err := t.flush(); err != nil {
		txn.Discard()
		return nil, err
	}
	// The next Update's snapshot, opened before this commit is sent, with
	// base's commit in it: base's writes are not in this one's snapshot,
	// and the next Update reads this one's alone from memory.
	if base != nil {
		<-base.sent
	}
	next, nextVisible, nextChanging := s.snapshot(true)
	pc := t.pending()
	commit := s.slots.next
	s.slots.next++
	s.slots.changes(commit, t.changedRecords)
	// The commit is sent beside the next Update, once the records it names
	// are on disk (their sync took some 4% of registration's time when
	// the Update waited for it) and base's commit is durable, so that
	// commits run in order. With SyncWrites, the callback runs once the
	// write is on disk.
	finish := func(err error) {
		if pc.err = err; err == nil {
			s.slots.committed(commit, t.pointers, t.changedRecords)
			s.postings.committed(t.added, t.logSeq, t.deleted)
		}
		s.slots.settled(commit)
		close(pc.done)
	}
	go func() {
		defer close(pc.sent)
		err := s.records.sync()
		if err == nil && base != nil {
			if berr := base.wait(); berr != nil {
				err = fmt.Errorf("badgerstore: the transaction before failed, and this one read its writes: %w", berr)
			}
		}
		if err != nil {
			txn.Discard()
			finish(err)
			return
		}
		txn.CommitWith(func(err error) { finish(fail("commit", err)) })
	}()
	s.next, s.last, s.nextVisible, s.nextChanging = next, pc, nextVisible, nextChanging
	return pc.wait, nil
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
	txn, visible, changing := s.snapshot(false)
	defer txn.Discard()
	t := s.newTx(txn, false, visible)
	t.changing = changing
	return fn(t)
}

// snapshot opens a transaction, with the last commit of the pointer file
// visible to it (read before the snapshot) and the records that commits in
// flight change (taken after it): see pointers.go.
func (s *Store) snapshot(update bool) (txn *badger.Txn, visible uint64, changing map[uint64]struct{}) {
	visible = s.slots.durable.Load()
	txn = s.db.NewTransaction(update)
	return txn, visible, s.slots.changingRecords()
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
	if s.last != nil {
		s.last.wait()
	}
	if s.next != nil {
		s.next.Discard()
		s.next = nil
	}
	close(s.stop)
	s.background.Wait()
	s.postings.close()
	err := s.slots.close(s.db)
	if cerr := fail("close", s.db.Close()); err == nil {
		err = cerr
	}
	if rerr := s.records.close(); err == nil && rerr != nil {
		err = fmt.Errorf("badgerstore: close record log: %w", rerr)
	}
	return err
}

// newTx is a transaction of the store.
func (s *Store) newTx(txn *badger.Txn, update bool, slotsVisible uint64) *tx {
	t := newTx(txn, update, s.filter)
	t.postings = s.postings
	t.records = s.records
	t.slots, t.slotsVisible = s.slots, slotsVisible
	return t
}

// TableIndexBytes is the size of Badger's table indexes and bloom filters,
// which Config.IndexCacheBytes should hold whole.
func (s *Store) TableIndexBytes() int64 {
	var n int64
	for _, t := range s.db.Tables() {
		n += int64(t.IndexSz + t.BloomFilterSize)
	}
	return n
}

// Settle waits until no posting runs are being merged or wait to be, and
// no level of Badger's needs compacting, so that a benchmark measures
// records that pay for their own merges and compactions, not for those
// of the records before.
func (s *Store) Settle(ctx context.Context) error {
	for !s.postings.settled() || s.compactionDue() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// compactionDue reports whether a level of Badger's is due to be
// compacted: its score is 1 or more.
func (s *Store) compactionDue() bool {
	for _, l := range s.db.Levels() {
		if l.Score >= 1 {
			return true
		}
	}
	return false
}
