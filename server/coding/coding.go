// Package coding is the business logic of the Coding service: check a
// caller's request, normalise each record's identifying values, and turn them
// into pseudonyms under the domain's pinned key version. It works on the API's
// protobuf messages directly, because copying a million records into other
// structs would cost more than coding them; it knows nothing of gRPC.
package coding

import (
	"slices"
	"unicode/utf8"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/session"
)

// Limits on one request. They keep a single call from holding the server,
// and they are well above what the ttp client sends.
const (
	MaxRecordsPerChunk = 10_000
	MaxRecordsPerCall  = 1_000
	MaxValueBytes      = 1_024
	MaxRowKeyBytes     = 256
)

// Job codes records for one caller into one domain under one key version.
// A streaming call makes one Job and keeps it for the whole stream, so the
// key version cannot change half-way through a file.
type Job struct {
	Session    *session.Session
	fields     []identity.Field
	fieldNames []string
	pz         *keys.Pseudonymizer
	oprf       *keys.OPRFKey // set for domains in OPRF mode
	norm       *identity.Normalizer
}

// ParseFields checks a request's field names and their combination
// (duplicates, patient_number without agb).
func ParseFields(fields []string) ([]identity.Field, error) {
	if len(fields) == 0 {
		return nil, apierr.BadField("fields", "at least one field is required")
	}
	parsed := make([]identity.Field, len(fields))
	for i, f := range fields {
		var err error
		if parsed[i], err = identity.ParseField(f); err != nil {
			return nil, apierr.BadField("fields", "%v", err)
		}
	}
	return parsed, nil
}

// Start checks the fields of a session opened for coding.
func Start(sess *session.Session, fields []string, today identity.Date) (*Job, error) {
	parsed, err := ParseFields(fields)
	if err != nil {
		return nil, err
	}
	// The normaliser checks the combination (duplicates, patient_number
	// without agb) once, here, rather than per record; it is safe for
	// concurrent use, so every chunk of the job shares it.
	norm, err := identity.NewNormalizer(parsed, today)
	if err != nil {
		return nil, apierr.BadField("fields", "%v", err)
	}
	j := &Job{Session: sess, fields: parsed, fieldNames: slices.Clone(fields), pz: sess.Pseudonymizer(), norm: norm}
	if sess.Domain.Mode == domains.ModeOPRF {
		// The plaintext path of an OPRF domain: FullEvaluate gives the
		// pseudonym that blinding, evaluating and finalising give.
		if j.oprf, err = sess.OPRF(); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// KeyVersion is the version the job codes with.
func (j *Job) KeyVersion() uint32 { return uint32(j.pz.Version()) }

// Fields are the job's field names, in record order.
func (j *Job) Fields() []string { return j.fieldNames }

// Counts summarise a coded chunk for the audit log and metrics.
type Counts struct {
	Records, Accepted, Rejected, Pseudonyms int
}

// AuditRecord describes a coded chunk without any of its data.
func (j *Job) AuditRecord(action string, c Counts) audit.Record {
	rec := j.Session.AuditRecord(action)
	rec.Records, rec.Accepted, rec.Rejected, rec.Pseudonyms = int64(c.Records), int64(c.Accepted), int64(c.Rejected), int64(c.Pseudonyms)
	return rec
}

// Check rejects a malformed chunk as a whole (see CheckRecords).
func (j *Job) Check(records []*ttpv1.Record, max int) error {
	return CheckRecords(records, j.fieldNames, max)
}

// CheckRecords rejects a malformed chunk as a whole, before any record is
// coded or registered: a record with the wrong number of values is a bug in
// the caller, not a data problem of the hospital.
func CheckRecords(records []*ttpv1.Record, fields []string, max int) error {
	if len(records) == 0 {
		return apierr.BadField("records", "no records")
	}
	if len(records) > max {
		return apierr.New(apierr.ResourceExhausted, "%d records in one message; at most %d", len(records), max)
	}
	for i, r := range records {
		if len(r.Values) != len(fields) {
			return apierr.BadField("records", "record %d has %d values for %d fields", i, len(r.Values), len(fields))
		}
		if len(r.RowKey) > MaxRowKeyBytes || !utf8.ValidString(r.RowKey) {
			return apierr.BadField("records", "record %d: row key is longer than %d bytes or not UTF-8", i, MaxRowKeyBytes)
		}
		for k, v := range r.Values {
			if len(v) > MaxValueBytes {
				return apierr.BadField("records", "record %d, field %s: value longer than %d bytes", i, fields[k], MaxValueBytes)
			}
		}
	}
	return nil
}

// Code codes a checked chunk. It is safe to call from several goroutines
// at once for different chunks.
func (j *Job) Code(records []*ttpv1.Record) ([]*ttpv1.CodedRecord, Counts) {
	out := make([]*ttpv1.CodedRecord, len(records))
	slab := make([]ttpv1.CodedRecord, len(records))
	normalised := make([]string, len(j.fields))
	var problems []identity.Problem
	c := Counts{Records: len(records)}
	for i, r := range records {
		cr := &slab[i]
		cr.RowKey = r.RowKey
		problems = j.norm.Normalize(problems[:0], r.Values, normalised)
		cr.Problems = ProblemsProto(problems)
		if identity.Rejected(problems) {
			cr.Rejected = true
			c.Rejected++
		} else {
			cr.Pseudonyms = make([]string, len(j.fields))
			if !j.pseudonyms(cr, normalised, &c) {
				cr.Pseudonyms = nil
				cr.Rejected = true
				c.Rejected++
				out[i] = cr
				continue
			}
			c.Accepted++
		}
		out[i] = cr
	}
	return out, c
}

// pseudonyms fills in cr's pseudonyms of the non-empty normalised values.
// It returns false, with a problem added, for a value the domain's function
// cannot take (an OPRF input above keys.MaxOPRFInputLen bytes, which only a
// value that normalisation lengthens can reach).
func (j *Job) pseudonyms(cr *ttpv1.CodedRecord, normalised []string, c *Counts) bool {
	n := 0
	for k, v := range normalised {
		if v == "" {
			continue
		}
		field := string(j.fields[k])
		if j.oprf == nil {
			cr.Pseudonyms[k] = j.pz.Pseudonym(field, v)
			n++
			continue
		}
		p, err := j.oprf.Pseudonym(field, v)
		if err != nil {
			cr.Problems = append(cr.Problems, &ttpv1.Problem{Field: field, Message: "The normalised value is too long for an OPRF domain."})
			return false
		}
		cr.Pseudonyms[k] = p
		n++
	}
	c.Pseudonyms += n
	return true
}

// ProblemsProto converts identity problems to the API's messages.
func ProblemsProto(ps []identity.Problem) []*ttpv1.Problem {
	if len(ps) == 0 {
		return nil
	}
	out := make([]*ttpv1.Problem, len(ps))
	for i, p := range ps {
		out[i] = &ttpv1.Problem{Field: string(p.Field), Code: string(p.Code), Message: p.Message}
	}
	return out
}
