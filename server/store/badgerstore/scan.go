package badgerstore

import (
	"errors"

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
func (t *tx) scan(op string, prefix string, start []byte, keysOnly bool, fn func(key, value []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = []byte(prefix)
	opts.PrefetchValues = false
	it := t.txn.NewIterator(opts)
	defer it.Close()
	from := append([]byte(prefix), start...)
	for it.Seek(from); it.ValidForPrefix(opts.Prefix); it.Next() {
		item := it.Item()
		key := item.Key()[len(prefix):]
		var err error
		if keysOnly {
			err = fn(key, nil)
		} else {
			var fnErr error
			err = item.Value(func(v []byte) error {
				fnErr = fn(key, v)
				return fnErr
			})
			if err != nil && fnErr == nil {
				err = fail(op, err)
			}
		}
		if errors.Is(err, errStop) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}
