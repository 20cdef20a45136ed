// Package auditlog reads the TTP's audit log as a committee member must:
// against a checkpoint signed with the audit key the member was given out
// of band (never one the server offers), every record with a proof that it
// is the record the checkpoint's tree holds, and every run of records with
// a proof that none was left out (package checkpoint). What the server
// says about its log is believed only as far as it is proved.
package auditlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/checkpoint"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// Log is the audit log as of one signed checkpoint, Head.
type Log struct {
	svc ttpv1.AuditServiceClient
	// Head is the checkpoint every record is proved against, and Signed
	// its signed note.
	Head   checkpoint.Checkpoint
	Signed []byte
}

// Open fetches a checkpoint of the log now and checks its signature with v.
func Open(ctx context.Context, svc ttpv1.AuditServiceClient, v note.Verifier) (*Log, error) {
	resp, err := svc.GetCheckpoint(ctx, &ttpv1.GetCheckpointRequest{})
	if err != nil {
		return nil, err
	}
	c, err := checkpoint.Open(resp.Checkpoint, v)
	if err != nil {
		return nil, fmt.Errorf("the server's checkpoint: %w", err)
	}
	return &Log{svc: svc, Head: c, Signed: resp.Checkpoint}, nil
}

// Extends proves that the log of Head extends older, a checkpoint the
// member kept: every record older covers is in it, unchanged. The error
// wraps checkpoint.ErrInconsistent when the log was cut short or changed.
func (l *Log) Extends(ctx context.Context, older checkpoint.Checkpoint) error {
	var proof tlog.TreeProof
	if l.Head.Size >= older.Size && older.Size > 0 {
		resp, err := l.svc.ProveConsistency(ctx, &ttpv1.ProveConsistencyRequest{OldSize: older.Size, NewSize: l.Head.Size})
		if err != nil {
			return err
		}
		if proof, err = Hashes(resp.Proof); err != nil {
			return err
		}
	}
	return checkpoint.CheckConsistency(older, l.Head, proof)
}

// Entry is one record of the log, proved.
type Entry struct {
	Record
	// Raw is the record as the log holds it, byte for byte.
	Raw []byte
}

// Record is an audit record as the server writes it (server/audit.Record;
// the hash chain's prev left out). Fields a newer server adds are kept in
// Raw only.
type Record struct {
	Seq          uint64    `json:"seq"`
	Time         time.Time `json:"time"`
	Principal    string    `json:"principal"`
	Organisation string    `json:"organisation,omitempty"`
	Action       string    `json:"action"`
	Outcome      string    `json:"outcome"`
	Request      uint64    `json:"request,omitempty"`
	Domain       string    `json:"domain,omitempty"`
	KeyVersion   uint32    `json:"key_version,omitempty"`
	Records      int64     `json:"records,omitempty"`
	Accepted     int64     `json:"accepted,omitempty"`
	Rejected     int64     `json:"rejected,omitempty"`
	Pseudonyms   int64     `json:"pseudonyms,omitempty"`
	Detail       string    `json:"detail,omitempty"`
}

// Decode reads the record the log holds as its seq'th. A record that
// says it is another one, or has no time, is refused: a proof shows where
// the bytes are in the tree, and the record must agree.
func Decode(seq uint64, raw []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(raw, &r); err != nil {
		return Record{}, fmt.Errorf("record %d is not an audit record: %v", seq, err)
	}
	switch {
	case r.Seq != seq:
		return Record{}, fmt.Errorf("record %d says it is record %d", seq, r.Seq)
	case r.Time.IsZero():
		return Record{}, fmt.Errorf("record %d has no time", seq)
	case r.Action == "" || r.Principal == "":
		return Record{}, fmt.Errorf("record %d names no action or no principal", seq)
	}
	r.Time = r.Time.UTC()
	return r, nil
}

// Range calls fn for records first..last of Head, in order, each proved,
// and all of them: fetched checkpoint.MaxRange at a time, each run with a
// proof that it is those records of the tree.
func (l *Log) Range(ctx context.Context, first, last uint64, fn func(Entry) error) error {
	for from := first; from <= last; from += checkpoint.MaxRange {
		to := min(last, from+checkpoint.MaxRange-1)
		resp, err := l.svc.ProveRange(ctx, &ttpv1.ProveRangeRequest{FirstSeq: from, LastSeq: to, TreeSize: l.Head.Size})
		if err != nil {
			return fmt.Errorf("records %d..%d: %w", from, to, err)
		}
		proof, err := Hashes(resp.Proof)
		if err != nil {
			return err
		}
		if err := checkpoint.CheckRange(l.Head, from, resp.Records, proof); err != nil {
			return err
		}
		for i, raw := range resp.Records {
			r, err := Decode(from+uint64(i), raw)
			if err != nil {
				return err
			}
			if err := fn(Entry{Record: r, Raw: raw}); err != nil {
				return err
			}
		}
	}
	return nil
}

// At returns record seq, proved.
func (l *Log) At(ctx context.Context, seq uint64) (Entry, error) {
	var e Entry
	err := l.Range(ctx, seq, seq, func(x Entry) error { e = x; return nil })
	return e, err
}

// FirstAt returns the first record stamped t or later, or Head.Size+1
// when there is none, by binary search over proved records. The server
// stamps records with times that never go back along the log
// (server/audit), which the search relies on; a caller that depends on the
// answer checks the records around it.
func (l *Log) FirstAt(ctx context.Context, t time.Time) (uint64, error) {
	var err error
	i := sort.Search(int(l.Head.Size), func(i int) bool {
		if err != nil {
			return true
		}
		var e Entry
		e, err = l.At(ctx, uint64(i)+1)
		return !e.Time.Before(t)
	})
	return uint64(i) + 1, err
}

// Hashes reads a proof's hashes.
func Hashes(raw [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(raw))
	for i, b := range raw {
		if len(b) != len(out[i]) {
			return nil, errors.New("the server's proof holds a hash that is not 32 bytes")
		}
		out[i] = tlog.Hash(b)
	}
	return out, nil
}
