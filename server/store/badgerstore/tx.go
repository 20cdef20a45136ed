package badgerstore

import (
	"errors"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/ttpnl/ttp/server/store"
)

// tx is one transaction and the repositories over it. Its methods are
// not safe for concurrent use except the reads that say so, which use only
// get (Badger's Txn.Get is safe for concurrent readers while nothing writes
// to the transaction) and heads, under mu.
type tx struct {
	txn    *badger.Txn
	update bool
	filter *keyFilter

	// The counters, read on first use (under ctrMu) and written back by
	// flush.
	ctrMu     sync.Mutex
	ctr       counters
	ctrLoaded bool
	ctrDirty  bool

	// postings is the store's committed block postings; added the
	// postings this transaction adds (block → IDs), deleted the records
	// it deletes, logSeq the number of its batch log (runset.go).
	postings *postingSet
	// records is the store's record log (recordlog.go); nil in the
	// transactions that open and migrate a store, which read no record.
	records *recordLog
	// slots is the store's pointer file (pointers.go), whose slots of
	// commits up to slotsVisible this transaction may use; pointers are
	// the record pointers it writes (nil: a deleted record), for the file
	// once it commits.
	slots        *pointerFile
	slotsVisible uint64
	pointers     map[uint64][]byte
	// changing are the records that commits in flight when the snapshot
	// was taken change (pointerFile.changingRecords), read from Badger;
	// changedRecords are those this transaction changes or deletes, for the
	// transactions after it.
	changing       map[uint64]struct{}
	changedRecords []uint64
	// groups are the working copies of the record pointer groups it
	// changes (pointergroups.go), written by flush.
	groups map[uint64][]byte
	// persons are the working copies of the groups of persons it reads or
	// changes (persons.go), the changed ones written by flush.
	persons map[uint64]personGroup
	// domainGroups are the working copies of the groups of domain members
	// it reads or changes (domainmembers.go), the changed ones written by
	// flush.
	domainGroups map[domainGroupKey]personGroup
	// reidGroups are the working copies of the groups of sealed sources
	// it reads or changes (reidsources.go), the changed ones written by
	// flush.
	reidGroups map[uint64]*reidGroup
	added      map[uint64][]uint64
	deleted    []uint64
	logSeq     uint64
	// addedBloom has added's blocks, for the next Update's lookups
	// (pendingCommit.mayHave).
	addedBloom *bloomPart

	// base is the Update before this one, whose writes this one's
	// snapshot may lack: reads look there first (pending.go). writes are
	// this Update's, for the one after.
	base   *pendingCommit
	writes map[string]pendingWrite

	// absent holds the sources that BySource found absent, so that Add
	// need not look them up again (Add removes those it stores). Under mu,
	// as is added.
	mu     sync.Mutex
	absent map[uint64]struct{}
}

var _ store.Tx = (*tx)(nil)

func newTx(txn *badger.Txn, update bool, filter *keyFilter) *tx {
	return &tx{txn: txn, update: update, filter: filter}
}

func (t *tx) Domains() store.Domains          { return domains{t} }
func (t *tx) Recipients() store.Recipients    { return recipients{t} }
func (t *tx) Requests() store.LinkageRequests { return requests{t} }
func (t *tx) Models() store.LinkageModels     { return models{t} }
func (t *tx) Keyrings() store.Keyrings        { return keyrings{t} }
func (t *tx) Audit() store.AuditLog           { return auditLog{t} }
func (t *tx) Index() store.PersonIndex        { return index{t} }

// writable refuses writes in a View.
func (t *tx) writable() error {
	if !t.update {
		return store.ErrReadOnly
	}
	return nil
}

// get calls fn with key's value and reports whether the key was there.
// The value is valid only during fn. An error of fn is returned as it is.
func (t *tx) get(op string, key []byte, fn func(v []byte) error) (bool, error) {
	if !t.filter.mayContain(key) {
		return false, nil
	}
	if w, ok := t.baseWrite(key); ok {
		if w.deleted {
			return false, nil
		}
		return true, fn(w.value)
	}
	item, err := t.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fail(op, err)
	}
	var fnErr error
	err = item.Value(func(v []byte) error {
		fnErr = fn(v)
		return fnErr
	})
	if fnErr != nil {
		return true, fnErr
	}
	return true, fail(op, err)
}

// has reports whether key is stored.
func (t *tx) has(op string, key []byte) (bool, error) {
	if !t.filter.mayContain(key) {
		return false, nil
	}
	if w, ok := t.baseWrite(key); ok {
		return !w.deleted, nil
	}
	_, err := t.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, fail(op, err)
}

// baseWrite returns the Update before's write of key, unless this one
// wrote key since: its own writes come first, and Badger's Txn has them.
func (t *tx) baseWrite(key []byte) (pendingWrite, bool) {
	if _, own := t.writes[string(key)]; own {
		return pendingWrite{}, false
	}
	return t.base.lookup(key)
}

// set writes value under key. Badger keeps both slices until the
// transaction ends, so they must not be the caller's.
func (t *tx) set(op string, key, value []byte) error {
	t.filter.add(key)
	if t.writes != nil {
		t.writes[string(key)] = pendingWrite{value: value}
	}
	return fail(op, t.txn.Set(key, value))
}

// del deletes key.
func (t *tx) del(op string, key []byte) error {
	if t.writes != nil {
		t.writes[string(key)] = pendingWrite{deleted: true}
	}
	return fail(op, t.txn.Delete(key))
}

// flush writes what the transaction keeps in memory until commit.
func (t *tx) flush() error {
	if err := t.flushPostings(); err != nil {
		return err
	}
	if err := t.flushGroups(); err != nil {
		return err
	}
	if err := t.flushPersons(); err != nil {
		return err
	}
	if err := t.flushDomainGroups(); err != nil {
		return err
	}
	if err := t.flushReidGroups(); err != nil {
		return err
	}
	if !t.ctrDirty {
		return nil
	}
	return t.set("write counters", []byte(countersKey), t.ctr.encode())
}
