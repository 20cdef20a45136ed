// Package store is the server's durable state behind one interface:
// transactions over typed repositories of domains, recipient keys, sealed
// keyrings, the audit log and the person index. The server's packages use
// only this interface; the backends live in subpackages and are the only
// code that imports a database driver:
//
//   - badgerstore: Badger, embedded, one process. The default: one binary,
//     no set-up. Files encrypted at rest under a key derived from the KEK.
//   - pgstore: PostgreSQL, shared by any number of ttpd processes.
//
// storetest holds the conformance suite both pass.
//
// # What the store holds
//
// Nothing in the store is a plaintext identifier or key: domains and the
// linkage key are kept as keyrings sealed under the KEK (which the store never
// sees), the person index as keyed encodings that are opaque here, the audit
// log as the audit package's records (counts, never data) and the hashes
// of its Merkle tree.
//
// # Transactions and locks
//
// Update runs a function in a read-write transaction that is durable when
// Update returns nil (synced to disk, or committed in PostgreSQL), and undone
// when the function returns an error. Several servers may share one store, so
// read-modify-write sequences take locks that last until the transaction
// ends:
//
//   - Domains.Get and Recipients.Get in Update lock the row they read.
//   - AuditLog.Last locks the end of the log: appends stay one chain.
//   - PersonIndex.Lock serialises registration, so that two servers never
//     make two persons of one person.
//
// Take them in that order (index, then domain or recipient, then audit log),
// and the audit log last, just before commit, so that it is held briefly.
package store

import (
	"context"
	"errors"
	"time"
)

// Store is the server's durable state.
type Store interface {
	// Update runs fn in a read-write transaction. It commits, durably, when
	// fn returns nil, and rolls back when fn returns an error, which Update
	// returns. fn runs once: Update does not retry.
	Update(ctx context.Context, fn func(Tx) error) error
	// UpdateAsync is Update that may return before the commit is durable:
	// wait returns when it is, with the commit's error. An Update after it
	// sees its writes, and commits only if it committed. A store that
	// cannot overlap commits (PostgreSQL) returns once it is durable.
	UpdateAsync(ctx context.Context, fn func(Tx) error) (wait func() error, err error)
	// View runs fn in a read-only transaction: a consistent snapshot. Writes
	// in it fail.
	View(ctx context.Context, fn func(Tx) error) error
	// Shared reports whether other processes may write to the store at the
	// same time (PostgreSQL). Caches of what the store holds must then be
	// refreshed; an embedded store is written only by its own process.
	Shared() bool
	// Close releases the store. Transactions must have ended.
	Close() error
}

// Tx is one transaction. Its repositories are valid until the transaction
// ends, and are not safe for concurrent use unless a method says so.
type Tx interface {
	Domains() Domains
	Recipients() Recipients
	Keyrings() Keyrings
	Audit() AuditLog
	Index() PersonIndex
	Requests() LinkageRequests
	Models() LinkageModels
}

// Errors that repositories return; test with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
	ErrReadOnly = errors.New("store: write in a read-only transaction")
	// ErrCorrupt reports stored data that cannot be read back as written
	// (a failed checksum, a malformed row): never a wrong answer instead.
	ErrCorrupt = errors.New("store: stored data is corrupt")
)

// Domain is a pseudonym domain as stored (package domains gives it meaning).
type Domain struct {
	Name        string
	Description string
	Mode        string // "hmac" or "oprf"
	Brokers     []string
	Recipients  []string
	Created     time.Time
	// Keyring is the domain's keyring sealed under the KEK.
	Keyring []byte
	// Revision is set by the store: 1 when created, one more on every
	// Update, so that a server can tell that another changed the domain.
	Revision uint64
}

// Domains holds the pseudonym domains.
type Domains interface {
	// Get returns the named domain, or ErrNotFound. In Update it locks the
	// domain until the transaction ends.
	Get(name string) (Domain, error)
	// List returns every domain, by name.
	List() ([]Domain, error)
	// Create stores a new domain (Revision 1), or gives ErrExists.
	Create(d Domain) error
	// Update replaces a domain (Revision one more than stored), or gives
	// ErrNotFound.
	Update(d Domain) error
}

// RecipientKey is a recipient's public sealing key.
type RecipientKey struct {
	Name       string
	PublicKey  string // as seal.PublicKey.Encode writes it
	Registered time.Time
	Revision   uint64 // set by the store, as for Domain
}

// Recipients holds recipients' public keys.
type Recipients interface {
	// Get returns name's key, or ErrNotFound. In Update it locks the key
	// until the transaction ends.
	Get(name string) (RecipientKey, error)
	// List returns every key, by name.
	List() ([]RecipientKey, error)
	// Put stores or replaces name's key.
	Put(k RecipientKey) error
}

// LinkageRequest is a stored linkage request (DESIGN §6). Package requests
// encodes Data; the store keeps it byte for byte.
type LinkageRequest struct {
	ID       uint64 // 1, 2, 3, ... in the order of creation
	Data     []byte
	Revision uint64 // 1 when created, one more at every Update
}

// LinkageRequests holds the registries' linkage requests.
type LinkageRequests interface {
	// Get returns request id, or ErrNotFound. In Update it locks the
	// request until the transaction ends, so that two approvals are
	// applied one after the other.
	Get(id uint64) (LinkageRequest, error)
	// List returns every request, by ID.
	List() ([]LinkageRequest, error)
	// Create stores a new request under the next ID, which it returns.
	Create(data []byte) (uint64, error)
	// Update replaces request r.ID's data and counts its revision up, or
	// gives ErrNotFound. r.Revision is ignored.
	Update(r LinkageRequest) error
}

// LinkageModel is a stored version of the person index's model (package
// linkage encodes Data).
type LinkageModel struct {
	Version uint64 // 1, 2, 3, ... in the order of creation
	Data    []byte
	Created time.Time
	Active  bool // the one registration uses; at most one is
}

// LinkageModels holds the versions of the person index's model: estimated
// on the index's own records, compared, then activated on purpose.
type LinkageModels interface {
	// Create stores a new, inactive version and returns its number.
	Create(data []byte, created time.Time) (uint64, error)
	// List returns every version, by number.
	List() ([]LinkageModel, error)
	// Activate makes version the active one (and no other), or gives
	// ErrNotFound.
	Activate(version uint64) error
}

// Keyrings holds sealed keyrings that belong to no domain (the person
// index's linkage key).
type Keyrings interface {
	// Get returns the sealed keyring, or ErrNotFound.
	Get(name string) ([]byte, error)
	// Create stores a keyring under a new name, or gives ErrExists, leaving
	// the transaction usable (another server made it first: read it).
	Create(name string, sealed []byte) error
}

// AuditEntry is one stored audit record.
type AuditEntry struct {
	Seq  uint64 // 1, 2, 3, ... without gaps
	Data []byte // the record as package audit wrote it; stored byte for byte
}

// AuditLog is the append-only audit log.
type AuditLog interface {
	// Last returns the last entry (Seq 0 when the log is empty). In Update it
	// locks the end of the log until the transaction ends, so that appends
	// from every server form one sequence.
	Last() (AuditEntry, error)
	// Append adds e, whose Seq must be one more than Last's; any other
	// Seq gives an error.
	Append(e AuditEntry) error
	// Scan calls fn for every entry with Seq ≥ from, in order, until fn
	// returns an error, which Scan returns.
	Scan(from uint64, fn func(AuditEntry) error) error

	// AppendHashes stores hashes at indexes first, first+1, ...: the hashes
	// of the log's Merkle tree, which package audit computes and numbers.
	// An index stored already gives ErrExists; nothing is ever replaced.
	AppendHashes(first uint64, hashes []AuditHash) error
	// Hashes returns the hashes stored at indexes, in their order; an
	// index not stored gives ErrNotFound.
	Hashes(indexes []uint64) ([]AuditHash, error)
}

// AuditHash is one hash of the audit log's Merkle tree (SHA-256).
type AuditHash [32]byte

// IndexRecord is a registered source record of the person index.
type IndexRecord struct {
	// ID is assigned by PersonIndex.ReserveIDs: a newer record has a larger
	// ID. Never 0.
	ID uint64
	// Source is the keyed hash of the record's source; unique in the index.
	Source uint64
	// Person is the person the record belongs to now.
	Person uint64
	// Features are the record's keyed encodings, opaque to the store.
	Features []byte
	// Blocks are its blocking keys, distinct, at most MaxBlocks.
	Blocks []uint64
}

// MaxBlocks bounds the blocking keys of a record.
const MaxBlocks = 8

// ReviewItem is a record whose best candidate scored between the thresholds.
type ReviewItem struct {
	Record     uint64 // the record's ID; one item per record
	Candidate  uint64 // what it may be the same person as (opaque)
	ScoreMilli int64  // the score × 1000, rounded
	Pattern    []byte // how the record compares with the candidate (opaque)
}

// PersonChange is an entry of the person change log, which recipients read
// to follow merges and splits.
type PersonChange struct {
	Seq      uint64 // assigned by AppendChange: 1, 2, 3, ...
	Time     time.Time
	Kind     uint8 // opaque to the store
	From, To uint64
}

// HistoryEntry is a withdrawn version of the record registered under a
// source: kept, never matched against, so that sent data is never edited
// in place (seed 004: a correction is a new version).
type HistoryEntry struct {
	Version   int         // 1 for the first withdrawn version of the source
	Record    IndexRecord // as it was when withdrawn
	Withdrawn time.Time
}

// IndexStats count the person index.
type IndexStats struct {
	Records, Persons int64
}

// PersonIndex is the person index: records, their blocking keys, persons,
// review items and the change log. The index is read by blocking key, never
// loaded whole, so memory does not grow with it.
type PersonIndex interface {
	// Lock serialises registration until the transaction ends: another
	// transaction's Lock waits. Take it before reading candidates.
	Lock() error
	// ReserveIDs reserves n record IDs and returns the first; the others
	// follow it.
	ReserveIDs(n int) (first uint64, err error)

	// BySource returns the records registered under the given sources, by
	// source; absent sources are left out.
	BySource(sources []uint64) (map[uint64]IndexRecord, error)
	// BlockMembers returns, per block key, the IDs of its newest members,
	// newest first, at most perBlock; keys without members are left out.
	// Safe to call concurrently with other reads of the same transaction.
	BlockMembers(blocks []uint64, perBlock int) (map[uint64][]uint64, error)
	// Records returns the records with the given IDs, by ID; absent IDs are
	// left out. Safe to call concurrently with other reads of the same
	// transaction.
	Records(ids []uint64) (map[uint64]IndexRecord, error)
	// OfPerson returns up to limit records of a person, oldest first.
	OfPerson(person uint64, limit int) ([]IndexRecord, error)
	// Add stores new records, with their source and block entries. A source
	// or ID already stored gives ErrExists.
	Add(records []IndexRecord) error
	// SetPerson moves a record to another person.
	SetPerson(id, person uint64) error
	// DeleteRecords removes records whole: the record, its source, its
	// place among its person's records and in its blocks, its review item.
	// An absent ID gives ErrNotFound. Records are deleted rarely (a
	// patient's objection, DESIGN §6), never in registration's hot path.
	DeleteRecords(ids []uint64) error

	// ReservePersonIDs reserves n consecutive IDs for new persons and
	// returns the first. None of them is a person recorded already, and
	// none is reserved again, used or not: a person ID is never reused, so
	// a recipient never sees a merged-away person come back as another.
	// Consecutive IDs let a store keep persons in groups.
	ReservePersonIDs(n int) (first uint64, err error)
	// AddPersons records new persons (a batch's, in one call: on a shared
	// store that is one round trip); a person recorded already gives
	// ErrExists, after which the transaction should be rolled back.
	// RemovePerson removes one that has no records left (merged away).
	// Both keep IndexStats.Persons.
	AddPersons(persons ...uint64) error
	RemovePerson(person uint64) error
	// Stats counts records and persons.
	Stats() (IndexStats, error)

	// PutReview stores or replaces the review item of a record.
	PutReview(r ReviewItem) error
	// Review returns a record's open review item, or ErrNotFound.
	Review(record uint64) (ReviewItem, error)
	// DeleteReview closes a review item (no error if there was none).
	DeleteReview(record uint64) error
	// Reviews lists open items with Record > after, by Record, at most limit.
	Reviews(after uint64, limit int) ([]ReviewItem, error)

	// AddHistory keeps a withdrawn record as the next version of its
	// source's history, and returns the version number.
	AddHistory(r IndexRecord, withdrawn time.Time) (int, error)
	// History returns a source's withdrawn versions, oldest first.
	History(source uint64) ([]HistoryEntry, error)

	// PutReidSources stores, per record ID, the record's source sealed
	// under the re-identification key (package reid), replacing what was
	// there. DeleteRecords deletes them with their records.
	PutReidSources(sealed map[uint64][]byte) error
	// ReidSources returns the sealed sources of records, by ID; records
	// without one are left out.
	ReidSources(ids []uint64) (map[uint64][]byte, error)

	// SetObjected records that a person objected to registration (the
	// patient's objection, DESIGN §6), or, with objected false, that the
	// objection was withdrawn.
	SetObjected(person uint64, objected bool) error
	// Objected returns which of persons objected.
	Objected(persons []uint64) (map[uint64]bool, error)

	// AddToDomain records that persons have records registered through a
	// domain, named by a tag (a keyed hash of its name), so that the
	// domain's recipients are told of those persons' changes and of no
	// others'. Recording a person again is no error.
	AddToDomain(domain uint64, persons []uint64) error
	// InDomain returns which of persons were recorded in a domain.
	InDomain(domain uint64, persons []uint64) (map[uint64]bool, error)

	// AppendChange logs a change and returns it with its sequence number.
	AppendChange(c PersonChange) (PersonChange, error)
	// Changes lists changes with Seq > after, in order, at most limit.
	Changes(after uint64, limit int) ([]PersonChange, error)
}
