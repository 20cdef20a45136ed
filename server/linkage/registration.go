package linkage

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"io"
	"slices"
	"time"

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
	sealer SourceSealer // nil: the domain does not allow re-identification
}

// SourceSealer seals a record's source (SourceOf) so that the hospital that
// sent it can be asked, later and after approval, to re-identify it
// (package reid). It is defined here, where it is used.
type SourceSealer interface {
	SealSource(record uint64, source string, rand io.Reader) ([]byte, error)
}

// KeepSealedSources makes the registration keep each record's source,
// sealed with s: for a domain whose policy allows re-identification
// through the data holder. It returns r.
func (r *Registration) KeepSealedSources(s SourceSealer) *Registration {
	r.sealer = s
	return r
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
	rows      []records.Record
	prep      []Prepared
	objecting bool // the rows are patients' objections (Object)
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
	out, wait, err := r.CommitAsync(ctx, action, c)
	if err != nil {
		return nil, err
	}
	return out, wait()
}

// CommitAsync is Commit that may return before the chunk's last batch is
// durable: out is final, and may be given out, only when wait returns nil.
// The next chunk may be committed meanwhile (Index.RegisterAsync).
func (r *Registration) CommitAsync(ctx context.Context, action string, c *Chunk) (out []Registered, wait func() error, err error) {
	out = make([]Registered, len(c.rows))
	var p Pipeline
	for lo := 0; lo < len(c.rows); lo += MaxBatch {
		hi := min(lo+MaxBatch, len(c.rows))
		durable, err := r.registerBatch(ctx, action, c.objecting, c.rows[lo:hi], c.prep[lo:hi], out[lo:hi])
		if err == nil {
			err = p.Push(durable)
		}
		if err != nil {
			p.Flush()
			return nil, nil, err
		}
	}
	return out, p.Flush, nil
}

// Register prepares and commits rows.
func (r *Registration) Register(ctx context.Context, action string, rows []records.Record) ([]Registered, error) {
	return r.Commit(ctx, action, r.Prepare(rows))
}

// Object registers rows as patients' objections (DESIGN §6). Each row is
// matched as a registration is and stays in the index as the objection;
// its person's other records are purged, the person is withdrawn from
// every domain's changes feed and conversion, and later records of it are
// refused (identity.CodeObjected). The answer per row names no person.
func (r *Registration) Object(ctx context.Context, action string, rows []records.Record) ([]Registered, error) {
	c := r.Prepare(rows)
	c.objecting = true
	out, err := r.Commit(ctx, action, c)
	for i := range out {
		out[i].Person, out[i].Decision = "", 0
	}
	return out, err
}

// registerBatch registers a batch and fills out; the batch is durable when
// wait returns nil.
func (r *Registration) registerBatch(ctx context.Context, action string, objecting bool, rows []records.Record, prep []Prepared, out []Registered) (wait func() error, err error) {
	batch := make([]Encoded, 0, len(rows))
	for i := range prep {
		if !prep[i].Rejected {
			batch = append(batch, prep[i].Encoded)
		}
	}
	commit := func(tx store.Tx, results []Result) error {
		var err error
		if objecting {
			err = r.recordObjections(tx, results)
		} else {
			err = r.honourObjections(tx, results)
		}
		if err != nil {
			return err
		}
		// A record refused because its patient objected joins no domain:
		// the domain's recipients would be told of a withdrawal of a
		// person they never had.
		stored := slices.DeleteFunc(slices.Clone(results), func(res Result) bool { return res.Decision == Objected })
		if err := tx.Index().AddToDomain(r.enc.DomainTag(r.sess.Domain.Name), personsOf(stored)); err != nil {
			return err
		}
		if err := r.keepSources(tx, prep, results); err != nil {
			return err
		}
		return r.log.AppendTx(tx, r.auditRecord(action, len(rows), results))
	}
	var results []Result
	wait = func() error { return nil }
	if len(batch) > 0 {
		if results, wait, err = r.index.RegisterAsync(ctx, batch, commit); err != nil {
			return nil, err
		}
	} else if err := r.log.Append(ctx, r.auditRecord(action, len(rows), nil), nil); err != nil {
		return nil, err
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
		if res.Decision == Objected && !objecting {
			o.Rejected, o.Problems = true, append(o.Problems, identity.NewProblem("", identity.CodeObjected))
			continue
		}
		o.Person = r.sess.PersonCipher().Pseudonym(res.Person)
		o.Decision = res.Decision
	}
	return wait, nil
}

// honourObjections takes out of a registered batch the records of persons
// who objected: a record added is deleted again, in the same transaction,
// and its result becomes Objected, so that it is never stored.
func (r *Registration) honourObjections(tx store.Tx, results []Result) error {
	px := tx.Index()
	// Only a record that joined a stored person can be an objecting
	// patient's: a new or review record's person was made by this batch.
	var joined []Result
	for _, res := range results {
		if res.Decision == Linked || res.Decision == Known {
			joined = append(joined, res)
		}
	}
	objected, err := px.Objected(personsOf(joined))
	if err != nil || len(objected) == 0 {
		return err
	}
	var added []uint64
	for i := range results {
		res := &results[i]
		if !objected[res.Person] {
			continue
		}
		if res.Decision != Known {
			added = append(added, res.Record)
		}
		res.Decision = Objected
	}
	return px.DeleteRecords(added)
}

// recordObjections makes each batch record's person one who objected: it
// keeps the objection's own records (the ones of this batch), purges every
// other record of the person, and logs the person's withdrawal, so that
// recipients delete its pseudonym.
func (r *Registration) recordObjections(tx store.Tx, results []Result) error {
	px := tx.Index()
	persons := personsOf(results)
	already, err := px.Objected(persons)
	if err != nil {
		return err
	}
	keep := map[uint64]bool{}
	for _, res := range results {
		keep[res.Record] = true
	}
	for _, p := range persons {
		if err := px.SetObjected(p, true); err != nil {
			return err
		}
		recs, err := px.OfPerson(p, maxPurge)
		if err != nil {
			return err
		}
		var purge []uint64
		for _, rec := range recs {
			if !keep[rec.ID] {
				purge = append(purge, rec.ID)
			}
		}
		if err := px.DeleteRecords(purge); err != nil {
			return err
		}
		if !already[p] {
			if _, err := px.AppendChange(store.PersonChange{Time: time.Now().UTC(), Kind: uint8(Withdrawn), From: p}); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxPurge bounds the records of one person that an objection purges in
// one go; a person has a handful.
const maxPurge = 10_000

// keepSources stores the sealed source of each record the batch stored or
// found, when the registration keeps them. results follow the accepted
// rows of prep, in order.
func (r *Registration) keepSources(tx store.Tx, prep []Prepared, results []Result) error {
	if r.sealer == nil {
		return nil
	}
	sealed := make(map[uint64][]byte, len(results))
	next := 0
	for i := range prep {
		if prep[i].Rejected {
			continue
		}
		res := results[next]
		next++
		if res.Decision == Objected || res.Record == 0 {
			continue
		}
		b, err := r.sealer.SealSource(res.Record, prep[i].Source, crand.Reader)
		if err != nil {
			return err
		}
		sealed[res.Record] = b
	}
	return tx.Index().PutReidSources(sealed)
}

// personsOf lists the distinct persons of results.
func personsOf(results []Result) []uint64 {
	persons := make([]uint64, len(results))
	for i, res := range results {
		persons[i] = res.Person
	}
	return distinct(persons)
}

// distinct returns ids without repeats, in the order they first come.
func distinct(ids []uint64) []uint64 {
	seen := make(map[uint64]bool, len(ids))
	out := make([]uint64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func (r *Registration) auditRecord(action string, n int, results []Result) audit.Record {
	var c [6]int
	for _, res := range results {
		c[res.Decision]++
	}
	rec := r.sess.AuditRecord(action)
	rec.Records, rec.Accepted, rec.Rejected = int64(n), int64(len(results)), int64(n-len(results))
	rec.Detail = fmt.Sprintf("linked %d, new %d, review %d, known %d, objected %d", c[Linked], c[New], c[Review], c[Known], c[Objected])
	return rec
}

// Session is the session the registration runs in.
func (r *Registration) Session() *session.Session { return r.sess }
