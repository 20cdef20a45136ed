// Package badgerstore is the store.Store backend over Badger: embedded, one
// process, encrypted at rest.
//
// One process owns a Badger directory, so Update transactions are
// serialised by a mutex in the Store: that alone gives the locks that
// store.go documents (PersonIndex.Lock, the row locks of Get, the end of the
// audit log), and Badger's conflict detection is off. View transactions
// run beside them on Badger snapshots.
//
// The person index is read by key, never loaded whole. A record is in
// the record log (recordlog.go: the records themselves, appended, sealed,
// read with pread), and its pointer there is in Badger, in one value for
// 64 consecutive record IDs (pointergroups.go); the pointers are also in
// a file addressed by record ID (pointers.go), read with one pread, so
// that a record read does not decrypt a table block once the index
// outgrows Badger's block cache, and those of records unchanged since
// they were added are in memory as well, 8 bytes each up to a budget
// (pointermirror.go), so that a candidate's read is one pread; Badger's
// pointer is the true one, the file and the memory are used only where
// they cannot be stale. A person is a key. Its postings (which records have a
// blocking key, about six per record, and which record a source and a
// person have) are not Badger keys: a batch's postings are one Badger value
// when it commits, and in the background they go into immutable,
// encrypted run files that are merged as they grow, a small log-structured
// set of their own (runset.go, runfile.go), which each run's Bloom filter
// makes cheap to ask for a key that it lacks. An in-memory filter of the
// stored persons (keyfilter.go) answers the read of a new record's absent
// person without Badger. The reads of a batch fan out over goroutines
// (fanout.go). keys.go lists every key prefix.
//
// Memory: Badger's memtables, block cache and index cache are set by
// Config, as is the posting buffer; the table pages that Badger's file
// mappings keep resident are bounded by a trimmer (trim.go); records and
// runs are read with pread, so their pages are the page cache's, not the
// process's, but for the run pages that lookups read, of which
// Config.RunPageCacheBytes are kept decrypted (pagecache.go); the filters
// take about 1.3 bytes per posting and per person. The Go heap around the
// caches churns (every block read from a table is a new buffer), so a
// server should also give the Go runtime a memory limit (GOMEMLIMIT), or
// its heap grows to twice what is live between collections.
//
// Performance: registering a batch writes a Badger key per new person
// and per 64 records (their pointers), where a record wrote eleven when
// each posting list, source and membership was a Badger key, and one or
// two when each record's pointer was a key of its own: with encryption
// on, Badger commits entries one by one in a single goroutine, each a
// skiplist insert and a WAL entry encrypted under a fresh AES cipher, and
// that was two thirds of registration's cost; and each key is compacted
// down the LSM, which at eleven million records cost more per record than
// anything else. With the records in the record log, Badger's compactions
// move keys and pointers, not records: they took a fifth of registration's
// CPU at a million records when records were Badger values. The next
// batch is matched while Badger writes one (pending.go).
//
// Errors never quote keys or values: Badger's own messages can (Txn.Get
// wraps its errors with the key), so they are reduced to their cause, and
// Badger's log messages that name a key are logged without their
// arguments.
package badgerstore
