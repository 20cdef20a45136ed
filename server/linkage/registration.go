package linkage

import (
	"context"
	"fmt"
	"slices"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/session"
	"github.com/ttpnl/ttp/server/store"
)

// Registered is what registration answers for one row.
type Registered struct {
	RowKey   string
	Problems []identity.Problem
	Rejected bool
	// Person is the person's pseudonym in the session's domain and key
	// version; Decision what the index did. Both are empty when Rejected.
	Person   string
	Decision Decision
}

// Registration registers rows for one caller's session.
type Registration struct {
	sess   *session.Session
	parser *Parser
	enc    *Encoder
	index  *Index
	log    *audit.Log
}

// NewRegistration checks the fields of a session opened for registration.
// The records belong to owner (the session's organisation; see SourceOf);
// sourceName names the caller's file for rows without a patient number.
func NewRegistration(sess *session.Session, fields []identity.Field, owner Owner, sourceName string, index *Index, enc *Encoder, log *audit.Log, today identity.Date) (*Registration, error) {
	if sourceName == "" && !slices.Contains(fields, identity.FieldPatientNumber) {
		return nil, apierr.BadField("source", "is required when the fields hold no agb and patient_number")
	}
	if owner.Organisation == "" {
		return nil, apierr.New(apierr.FailedPrecondition, "principal %q has no organisation in the server configuration; its records would belong to no one", sess.Actor.Principal)
	}
	parser, err := NewParser(fields, owner, sourceName, today)
	if err != nil {
		return nil, err
	}
	return &Registration{sess: sess, parser: parser, enc: enc, index: index, log: log}, nil
}

// Chunk is rows parsed and encoded, ready to be registered.
type Chunk struct {
	rows []records.Record
	prep []Prepared
}

// Prepare parses and encodes rows on every core: the costly, independent
// part of registration. It is safe to call for one chunk while another is
// being committed, so a stream prepares the next chunk meanwhile.
func (r *Registration) Prepare(rows []records.Record) *Chunk {
	return &Chunk{rows: rows, prep: PrepareAll(r.parser, r.enc, len(rows),
		func(i int) []string { return rows[i].Values },
		func(i int) string { return rows[i].RowKey })}
}

// Commit matches and stores a prepared chunk in batches of at most MaxBatch,
// each durable with its audit record (action names the call). Rows of a
// batch that was stored stay stored if a later batch fails; sending them
// again answers Known. Chunks are committed one at a time, in order.
func (r *Registration) Commit(ctx context.Context, action string, c *Chunk) ([]Registered, error) {
	out := make([]Registered, len(c.rows))
	for lo := 0; lo < len(c.rows); lo += MaxBatch {
		hi := min(lo+MaxBatch, len(c.rows))
		if err := r.registerBatch(ctx, action, c.rows[lo:hi], c.prep[lo:hi], out[lo:hi]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Register prepares and commits rows.
func (r *Registration) Register(ctx context.Context, action string, rows []records.Record) ([]Registered, error) {
	return r.Commit(ctx, action, r.Prepare(rows))
}

func (r *Registration) registerBatch(ctx context.Context, action string, rows []records.Record, prep []Prepared, out []Registered) error {
	batch := make([]Encoded, 0, len(rows))
	for i := range prep {
		if !prep[i].Rejected {
			batch = append(batch, prep[i].Encoded)
		}
	}
	commit := func(tx store.Tx, results []Result) error {
		if err := tx.Index().AddToDomain(r.enc.DomainTag(r.sess.Domain.Name), personsOf(results)); err != nil {
			return err
		}
		return r.log.AppendTx(tx, r.auditRecord(action, len(rows), results))
	}
	var results []Result
	if len(batch) > 0 {
		var err error
		if results, err = r.index.Register(ctx, batch, commit); err != nil {
			return err
		}
	} else if err := r.log.Append(ctx, r.auditRecord(action, len(rows), nil), nil); err != nil {
		return err
	}
	next := 0
	for i := range rows {
		o := &out[i]
		o.RowKey, o.Problems, o.Rejected = rows[i].RowKey, prep[i].Problems, prep[i].Rejected
		if o.Rejected {
			continue
		}
		res := results[next]
		next++
		o.Person = r.sess.PersonCipher().Pseudonym(res.Person)
		o.Decision = res.Decision
	}
	return nil
}

// personsOf lists the distinct persons of results.
func personsOf(results []Result) []uint64 {
	seen := make(map[uint64]struct{}, len(results))
	var out []uint64
	for _, res := range results {
		if _, ok := seen[res.Person]; !ok {
			seen[res.Person] = struct{}{}
			out = append(out, res.Person)
		}
	}
	return out
}

func (r *Registration) auditRecord(action string, n int, results []Result) audit.Record {
	var c [5]int
	for _, res := range results {
		c[res.Decision]++
	}
	rec := r.sess.AuditRecord(action)
	rec.Records, rec.Accepted, rec.Rejected = int64(n), int64(len(results)), int64(n-len(results))
	rec.Detail = fmt.Sprintf("linked %d, new %d, review %d, known %d", c[Linked], c[New], c[Review], c[Known])
	return rec
}

// Session is the session the registration runs in.
func (r *Registration) Session() *session.Session { return r.sess }
