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
// list of its newest members (postings.go), so that matching a batch costs
// point reads, which Badger's bloom filters make cheap when the key is
// absent. The reads of a batch go in key order and fan out over goroutines
// (fanout.go). keys.go lists every key prefix.
//
// Memory: Badger's memtables, block cache and index cache are set by
// Config; the table pages that Badger's file mappings keep resident are
// bounded by a trimmer (trim.go). The Go heap around the caches churns
// (every block read from a table is a new buffer), so a server should also
// give the Go runtime a memory limit (GOMEMLIMIT), or its heap grows to
// twice what is live between collections.
//
// Performance: registering a record costs about 18 point reads (its
// source, 7 block heads, about 10 candidate records, its person) and 11
// writes. With encryption on, a Badger point read costs several µs of CPU
// (a search of each table's index goes through the index cache at every
// step; a block-cache miss decrypts a block), and Badger commits entries
// one by one in a single goroutine (a skiplist insert and a WAL entry
// encrypted under a fresh AES cipher each). BenchmarkRegisterBatch
// measured about 650 µs of CPU per record at 1,000,000 records and the same
// at 7,850,000 (2,200-2,700 records/s on two shared cores), and 65 µs
// for a store small enough to sit in the memtables: the layout, not the
// size, bounds it, far from 30,000 records/s.
//
// Errors never quote keys or values: Badger's own messages can (Txn.Get
// wraps its errors with the key), so they are reduced to their cause, and
// Badger's log messages that name a key are logged without their
// arguments.
package badgerstore
