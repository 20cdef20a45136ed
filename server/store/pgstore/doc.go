// Package pgstore is the store on PostgreSQL (15 or newer, no extensions),
// which any number of ttpd processes may share.
//
// Open connects with a pool (pgx), applies the embedded schema migrations
// (migrations/*.sql, the one place that names the tables), and returns a
// store.Store.
//
// # Transactions and locks
//
// Update is one transaction at READ COMMITTED, in which every statement
// sees what other transactions committed before it began, and the locks of
// the store contract are:
//
//   - Domains.Get and Recipients.Get: SELECT ... FOR UPDATE of the row.
//   - PersonIndex.Lock: pg_advisory_xact_lock on indexLockKey.
//   - AuditLog.Last: pg_advisory_xact_lock on auditLockKey, and then, in
//     the next statement and so a newer snapshot, the last row: the entry
//     that another server appended while we waited is the one we see.
//
// All are released at commit or rollback. View is a READ ONLY transaction
// at REPEATABLE READ: one snapshot for all its reads. Its writes give
// store.ErrReadOnly before reaching the database.
//
// The repositories of one transaction share its connection, which runs one
// statement at a time; a mutex makes them safe for concurrent use (calls
// wait for each other).
//
// # Person index
//
// It is built to be read per batch, with few round trips: BlockMembers
// reads every block key of a batch in one query (unnest, and a LATERAL
// index range scan per key, newest first), Records and BySource take
// = ANY($1), and Add writes a batch's records and block rows in one
// statement (unnest of arrays). Add checks, in that statement, that no ID
// or source is stored already, and gives store.ErrExists without writing
// anything and with the transaction still usable; only a concurrent Add of
// the same source by a transaction that did not take PersonIndex.Lock can
// still end in a unique violation, which aborts the transaction (and also
// gives store.ErrExists). Counts for IndexStats live in index_counters and
// change in the same transaction: AddPersons, RemovePerson and Add add up
// their changes and write them once, just before commit.
//
// # Performance
//
// BenchmarkRegisterBatch measures a registration batch of 1,000 records
// against an index of 1,000,000 (about 1 GB in PostgreSQL) on 2 cores. A
// batch whose block keys hold 10 earlier records per new one costs about
// 160 ms of PostgreSQL's processor time and 35 ms of the client's, which
// on an idle machine is about 5,000 records/s; at 40 per new one, 330 ms
// and 135 ms, about 2,000 records/s. The transaction runs in one backend,
// so that is the bound: processor time in proportion to the candidate
// records read and to the rows and index entries written. The round trips
// (nine a batch) and the commit's fsync are a few percent; AddPersons takes
// a batch's new persons in one. A server for it should give PostgreSQL
// shared_buffers that hold the index; wal_compression = lz4 shrinks the
// full-page images that random index inserts write after a checkpoint.
//
// # Values
//
// A uint64 key is stored as the bigint with the same bits (see the
// migration's header). Times keep microseconds and come back in UTC. Empty
// lists and byte strings come back as nil.
//
// # Connecting in production
//
// Open accepts any URL or key=value string that pgx accepts. In production:
//
//   - Use TLS that checks the server: sslmode=verify-full and
//     sslrootcert=/path/to/the-database-ca.pem (sslcert= and sslkey= too
//     if the database wants client certificates).
//   - Keep the password out of the URL and off the command line, where
//     ps and shell histories show it: put it in a password file, named by
//     passfile=/path/to/pgpass (owner-only mode) or PGPASSFILE.
//   - Behind a pooler in transaction mode (PgBouncer), add
//     default_query_exec_mode=exec: prepared statements do not survive it.
//   - Create the cluster with data checksums (initdb --data-checksums).
//
// Errors name the operation and PostgreSQL's message and SQLSTATE, never a
// key, a record's bytes or the URL's password.
package pgstore
