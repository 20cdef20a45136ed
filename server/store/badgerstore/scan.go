package badgerstore

import (
	"errors"
	"slices"

	"github.com/dgraph-io/badger/v4"
)

// errStop ends a scan early without an error.
var errStop = errors.New("badgerstore: stop scan")

// scan calls fn with the rest of the key (after prefix) and the value of
// every entry under prefix, from prefix+start on, in key order, until fn
// returns errStop (scan then returns nil) or another error. The slices are
// valid only during fn. keysOnly skips the values (fn gets nil).
//
// This is the one iterator loop of the package. Creating an iterator costs
// far more than a point read, so the person index's hot path never scans.
//
// The writes of the Update before (pending.go) come in their place in the
// order, after this transaction's own: a key it wrote replaces the
// snapshot's, a key it deleted is skipped.
func (t *tx) scan(op string, prefix string, start []byte, keysOnly bool, fn func(key, value []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(prefix)
	opts.PrefetchValues = false
	it := t.txn.NewIterator(opts)
	defer it.Close()
	// Keys this transaction wrote come from Badger's iterator, which has
	// its own writes.
	pending := slices.DeleteFunc(t.base.keysFrom(prefix, start), func(k string) bool {
		_, own := t.writes[k]
		return own
	})
	call := func(key, value []byte) error {
		if keysOnly {
			value = nil
		}
		return fn(key[len(prefix):], value)
	}
	it.Seek(append([]byte(prefix), start...))
	for {
		var err error
		switch valid := it.ValidForPrefix(opts.Prefix); {
		case len(pending) > 0 && (!valid || pending[0] <= string(it.Item().Key())):
			if valid && pending[0] == string(it.Item().Key()) {
				it.Next()
			}
			k := pending[0]
			pending = pending[1:]
			if w := t.base.writes[k]; !w.deleted {
				err = call([]byte(k), w.value)
			}
		case valid:
			item := it.Item()
			if keysOnly {
				err = call(item.Key(), nil)
			} else {
				var fnErr error
				err = item.Value(func(v []byte) error {
					fnErr = call(item.Key(), v)
					return fnErr
				})
				if err != nil && fnErr == nil {
					err = fail(op, err)
				}
			}
			it.Next()
		default:
			return nil
		}
		if errors.Is(err, errStop) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
