// Package audit keeps the audit log that the supervisory committee reads:
// who did what, in which domain, under which key version, with what counts.
// It never holds a record value or key material.
//
// The log is an append-only sequence of records in the store, and a
// transparency log over them: a Merkle tree (RFC 6962, as
// golang.org/x/mod/sumdb/tlog lays it out in the store; tree.go) whose
// size and root hash the server signs as a checkpoint (package checkpoint)
// under an audit key of its own, kept apart from the KEK. Committee members
// keep checkpoints and later ask for a consistency proof from each to the
// log now: a record that was changed or removed after a checkpoint makes
// that proof impossible, whoever changed it, even with the KEK and the
// store. Records also carry the SHA-256 of their predecessor (a hash
// chain), which ttpd -verify-audit checks without any checkpoint.
//
// An audit record is written in the same store transaction as the change it
// describes, with its tree hashes, and the store makes every transaction
// durable, so a change is never durable without its record. Several servers
// on one store append to one log: the store locks the end of the log for
// each appending transaction. A server checks the whole log when it starts
// (VerifyTree), and refuses to append after a last record that is not the
// one the tree was made of.
//
// The committee's commands: ttp audit checkpoint, ttp audit verify (see the
// README, "Auditing").
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ttpnl/ttp/server/store"
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
	// Request is the linkage request the action was on, or 0: what a
	// committee's report of one request selects by (ttp audit report).
	Request uint64 `json:"request,omitempty"`
	// Prev is the hex SHA-256 of the previous record's stored bytes; empty
	// for the first record.
	Prev string `json:"prev"`
}

// Log appends records to the log in a store.
type Log struct {
	st  store.Store
	now func() time.Time
	// OnBroken, if set, is called when an append is refused because the
	// log is broken (for a metric; the error says why).
	OnBroken func()
}

// New returns the log kept in st; now stamps records that carry no time.
func New(st store.Store, now func() time.Time) *Log {
	return &Log{st: st, now: now}
}

// Append writes rec, and the effect it describes, in one durable
// transaction. effect may be nil (a coding call changes nothing but the log).
// When Append returns nil, both are on disk.
func (l *Log) Append(ctx context.Context, rec Record, effect func(tx store.Tx) error) error {
	return l.st.Update(ctx, func(tx store.Tx) error {
		if effect != nil {
			if err := effect(tx); err != nil {
				return err
			}
		}
		return l.AppendTx(tx, rec)
	})
}

// AppendTx adds rec to the log inside tx, for a caller whose record depends
// on what its transaction did (registration counts its decisions). Call it
// last: it locks the end of the log until tx ends.
func (l *Log) AppendTx(tx store.Tx, rec Record) error {
	last, err := tx.Audit().Last()
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	rec.Seq, rec.Prev = last.Seq+1, ""
	if last.Seq > 0 {
		rec.Prev = hash(last.Data)
	}
	if rec.Time.IsZero() {
		rec.Time = l.now()
	}
	rec.Time, err = notBefore(rec.Time.UTC(), last)
	var raw []byte
	if err == nil {
		raw, err = json.Marshal(rec)
	}
	if err == nil {
		err = appendTree(tx.Audit(), int64(last.Seq), raw, last.Data)
	}
	if err != nil {
		if errors.Is(err, ErrBroken) && l.OnBroken != nil {
			l.OnBroken()
		}
		return err
	}
	return tx.Audit().Append(store.AuditEntry{Seq: rec.Seq, Data: raw})
}

// notBefore returns t, or the time of the last record if t is before it:
// times never go back along the log, whatever the clock (set back, or
// another server's that lags), so that a period is a run of consecutive
// records, which a committee member can check is complete (ttp audit
// report).
func notBefore(t time.Time, last store.AuditEntry) (time.Time, error) {
	if last.Seq == 0 {
		return t, nil
	}
	var prev struct{ Time time.Time }
	if err := json.Unmarshal(last.Data, &prev); err != nil {
		return t, fmt.Errorf("%w: record %d is unreadable", ErrBroken, last.Seq)
	}
	if t.Before(prev.Time) {
		return prev.Time.UTC(), nil
	}
	return t, nil
}

// ErrBroken reports a log that does not verify.
var ErrBroken = errors.New("audit log broken")

// Verify checks the whole log, as VerifyTree does, and returns the number
// of records it checked.
func Verify(ctx context.Context, st store.Store) (uint64, error) {
	t, err := VerifyTree(ctx, st)
	return t.Size, err
}

// Checker verifies a chain entry by entry, from the first.
type Checker struct {
	n    uint64
	prev string
}

// NewChecker starts a check at the first record.
func NewChecker() *Checker { return &Checker{} }

// Check verifies the next stored entry.
func (c *Checker) Check(e store.AuditEntry) error {
	var rec Record
	if err := json.Unmarshal(e.Data, &rec); err != nil {
		return fmt.Errorf("%w: record %d is unreadable", ErrBroken, e.Seq)
	}
	want := c.n + 1
	if e.Seq != want || rec.Seq != want {
		return fmt.Errorf("%w: record %d found where %d was expected", ErrBroken, rec.Seq, want)
	}
	if rec.Prev != c.prev {
		return fmt.Errorf("%w: record %d does not follow record %d", ErrBroken, rec.Seq, c.n)
	}
	c.n, c.prev = want, hash(e.Data)
	return nil
}

// Count is the number of records checked so far.
func (c *Checker) Count() uint64 { return c.n }

// Each calls fn for every record in order, with its stored bytes.
func Each(ctx context.Context, st store.Store, fn func(rec Record, raw []byte) error) error {
	return st.View(ctx, func(tx store.Tx) error {
		return tx.Audit().Scan(1, func(e store.AuditEntry) error {
			var rec Record
			if err := json.Unmarshal(e.Data, &rec); err != nil {
				return fmt.Errorf("%w: record %d is unreadable", ErrBroken, e.Seq)
			}
			return fn(rec, e.Data)
		})
	})
}

func hash(raw []byte) string {
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}
