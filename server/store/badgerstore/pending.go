package badgerstore

import (
	"slices"
	"strings"
)

// Badger commits an Update's writes in one goroutine of its own, and
// until they are durable (synced) no new transaction can start: its
// snapshot would wait for them. Registration would spend that time idle.
// So an Update does not wait for the Update before it: it runs on a
// snapshot opened just before that one's commit was sent, and reads that
// one's writes, which its pendingCommit keeps, before the snapshot's. Its
// own commit is sent only once the one before is durable, and not at all
// if that failed, so what it read is never lost while it is kept
// (Store.UpdateAsync). Sending it waits for the records it names to be
// synced to the record log, which happens beside the next Update too: an
// Update returns once its writes are in memory. An Update that finds the
// one before it failed already starts afresh, on a new snapshot.

// pendingCommit is an Update's writes from when its commit is sent: read
// by the next Update, whose snapshot may lack them.
type pendingCommit struct {
	writes  map[string]pendingWrite
	added   map[uint64][]uint64 // block postings (tx.added)
	deleted []uint64            // deleted records (tx.deleted)
	// addedBloom has added's blocks (nil: added is empty). Every lookup
	// of the next Update asks added, a map of some 40,000 blocks, and
	// nearly always for a block it lacks: a cache miss each, 1.5% of
	// registration's CPU, where the filter's 64 KiB stay in the CPU's
	// caches.
	addedBloom *bloomPart

	sent chan struct{} // closed when the commit is sent to Badger or failed before
	done chan struct{} // closed when the commit is durable or failed
	err  error         // why it failed; read after done
}

// pendingWrite is a key's new value, or its deletion.
type pendingWrite struct {
	value   []byte
	deleted bool
}

// pending is what the next Update reads of t's writes while t's commit is
// on its way.
func (t *tx) pending() *pendingCommit {
	return &pendingCommit{writes: t.writes, added: t.added, addedBloom: t.addedBloom, deleted: t.deleted, sent: make(chan struct{}), done: make(chan struct{})}
}

// pendingBloomKeys sizes the filter of an Update's postings: a batch of
// 5,000 records adds some 43,000 (blocks, a source and a person each),
// which the filter's 64 KiB answer with about 0.5% false positives.
const pendingBloomKeys = 1 << 15

// mayHave reports whether p may have postings of block.
func (p *pendingCommit) mayHave(block uint64) bool {
	return p.addedBloom != nil && p.addedBloom.has(block, blockHash(block))
}

// wait returns when the commit is durable, with its error.
func (p *pendingCommit) wait() error {
	<-p.done
	return p.err
}

// failed reports whether p is known to have failed by now (false on a nil
// p).
func (p *pendingCommit) failed() bool {
	if p == nil {
		return false
	}
	select {
	case <-p.done:
		return p.err != nil
	default:
		return false
	}
}

// lookup returns key's write in p: ok is false when p did not write it.
// Safe on a nil p.
func (p *pendingCommit) lookup(key []byte) (w pendingWrite, ok bool) {
	if p == nil {
		return w, false
	}
	w, ok = p.writes[string(key)]
	return w, ok
}

// keysFrom returns, in order, the keys p wrote under prefix from prefix +
// start on.
func (p *pendingCommit) keysFrom(prefix string, start []byte) []string {
	if p == nil {
		return nil
	}
	from := prefix + string(start)
	var keys []string
	for k := range p.writes {
		if strings.HasPrefix(k, prefix) && k >= from {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
