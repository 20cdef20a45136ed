// Package badgerstore is the store.Store backend over Badger: embedded, one
// process, encrypted at rest.
//
// One process owns a Badger directory, so Update transactions are
// serialised by a mutex in the Store: that alone gives the locks that
// store.go documents (PersonIndex.Lock, the row locks of Get, the end of the
// audit log), and Badger's conflict detection is off. View transactions
// run beside them on Badger snapshots.
//
// The person index is read from Badger by key, never loaded whole: a record
// is one key, its source another, and each blocking key holds a posting
// list of its newest members (see postings.go), so that matching a batch
// costs point reads that Badger's bloom filters make cheap when the key is
// absent. The reads of a batch fan out over goroutines (fanout.go). keys.go
// lists every key prefix.
//
// Errors never quote keys or values: Badger's own messages can (Txn.Get
// wraps its errors with the key), so they are reduced to their cause.
package badgerstore
