// Package audit keeps the audit log that the supervisory committee reads:
// who did what, in which domain, under which key version, with what counts.
// It never holds a record value or key material.
//
// The log is an append-only, hash-chained sequence in the store: record n
// carries the SHA-256 of record n-1's stored bytes, so a removed, reordered or
// altered record breaks the chain and Verify finds it. An audit record is
// written in the same Badger transaction as the change it describes, and the
// store syncs every commit, so a change is never durable without its record.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Record is one audited action.
type Record struct {
	Seq          uint64    `json:"seq"`
	Time         time.Time `json:"time"`
	Principal    string    `json:"principal"`
	Organisation string    `json:"organisation,omitempty"`
	Action       string    `json:"action"`
	Domain       string    `json:"domain,omitempty"`
	KeyVersion   uint32    `json:"key_version,omitempty"`
	Records      int64     `json:"records,omitempty"`
	Accepted     int64     `json:"accepted,omitempty"`
	Rejected     int64     `json:"rejected,omitempty"`
	Pseudonyms   int64     `json:"pseudonyms,omitempty"`
	Outcome      string    `json:"outcome"`
	Detail       string    `json:"detail,omitempty"`
	// Prev is the hex SHA-256 of the previous record's stored bytes; empty
	// for the first record.
	Prev string `json:"prev"`
}

const prefix = "audit/"

func key(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefix), seq)
}

// Log appends records to the chain. It is safe for concurrent use; appends
// are serialised, which also orders them.
type Log struct {
	db  *badger.DB
	now func() time.Time

	mu   sync.Mutex
	next uint64 // seq of the next record
	prev string // hash of the last record
}

// Open positions a Log after the last stored record.
func Open(db *badger.DB, now func() time.Time) (*Log, error) {
	l := &Log{db: db, now: now, next: 1}
	err := db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Reverse = true
		opts.Prefix = []byte(prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		it.Seek(append([]byte(prefix), 0xff))
		if !it.Valid() {
			return nil
		}
		raw, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		var last Record
		if err := json.Unmarshal(raw, &last); err != nil {
			return fmt.Errorf("last audit record is unreadable: %w", err)
		}
		l.next = last.Seq + 1
		l.prev = hash(raw)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return l, nil
}

// Append writes rec, and the effect it describes, in one durable
// transaction. effect may be nil (a coding call changes nothing but the log).
// When Append returns nil, both are on disk.
func (l *Log) Append(rec Record, effect func(txn *badger.Txn) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.Seq = l.next
	rec.Prev = l.prev
	if rec.Time.IsZero() {
		rec.Time = l.now().UTC()
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	err = l.db.Update(func(txn *badger.Txn) error {
		if effect != nil {
			if err := effect(txn); err != nil {
				return err
			}
		}
		return txn.Set(key(rec.Seq), raw)
	})
	if err != nil {
		return err
	}
	l.next++
	l.prev = hash(raw)
	return nil
}

// ErrBroken reports a chain that does not verify.
var ErrBroken = errors.New("audit chain broken")

// Verify walks the whole chain and checks that sequence numbers run from 1
// without gaps and that every record names its predecessor's hash. It
// returns the number of records.
func Verify(db *badger.DB) (uint64, error) {
	var n uint64
	err := Each(db, func(rec Record, raw []byte, prev string) error {
		n++
		if rec.Seq != n {
			return fmt.Errorf("%w: record %d found where %d was expected", ErrBroken, rec.Seq, n)
		}
		if rec.Prev != prev {
			return fmt.Errorf("%w: record %d does not follow record %d", ErrBroken, rec.Seq, n-1)
		}
		return nil
	})
	return n, err
}

// Each calls fn for every record in order, with its stored bytes and the
// hash of the record before it.
func Each(db *badger.DB, fn func(rec Record, raw []byte, prevHash string) error) error {
	return db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte(prefix)
		it := txn.NewIterator(opts)
		defer it.Close()
		prev := ""
		for it.Rewind(); it.Valid(); it.Next() {
			raw, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			var rec Record
			if err := json.Unmarshal(raw, &rec); err != nil {
				return fmt.Errorf("%w: unreadable record at key %x", ErrBroken, it.Item().Key())
			}
			if err := fn(rec, raw, prev); err != nil {
				return err
			}
			prev = hash(raw)
		}
		return nil
	})
}

func hash(raw []byte) string {
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}
