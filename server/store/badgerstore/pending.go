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
// (Store.UpdateAsync).

// pendingCommit is an Update's writes from when its commit is sent: read
// by the next Update, whose snapshot may lack them.
type pendingCommit struct {
	writes  map[string]pendingWrite
	added   map[uint64][]uint64 // block postings (tx.added)
	deleted []uint64            // deleted records (tx.deleted)

	done chan struct{} // closed when the commit is durable or failed
	err  error         // why it failed; read after done
}

// pendingWrite is a key's new value, or its deletion.
type pendingWrite struct {
	value   []byte
	deleted bool
}

// wait returns when the commit is durable, with its error.
func (p *pendingCommit) wait() error {
	<-p.done
	return p.err
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
