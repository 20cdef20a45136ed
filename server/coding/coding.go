// Package coding is the business logic of the Coding service: check a
// caller's records, normalise each record's identifying values, and turn
// them into pseudonyms under the session's pinned key version. It works on
// plain Go types and knows nothing of gRPC or protobuf.
package coding

import (
	"slices"

	"github.com/ttpnl/ttp/identity"
	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/domains"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/session"
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

// Check rejects a malformed chunk as a whole (see records.Check).
func (j *Job) Check(recs []records.Record, max int) error {
	return records.Check(recs, j.fieldNames, max)
}

// Coded is one coded record: a pseudonym per field in field order (empty for
// a missing value), or Rejected with the problems that rejected it.
type Coded struct {
	RowKey     string
	Pseudonyms []string
	Problems   []identity.Problem
	Rejected   bool
}

// Code codes a checked chunk. It is safe to call from several goroutines
// at once for different chunks.
func (j *Job) Code(recs []records.Record) ([]Coded, Counts) {
	out := make([]Coded, len(recs))
	normalised := make([]string, len(j.fields))
	c := Counts{Records: len(recs)}
	for i, r := range recs {
		cr := &out[i]
		cr.RowKey = r.RowKey
		cr.Problems = j.norm.Normalize(nil, r.Values, normalised)
		if !identity.Rejected(cr.Problems) && j.pseudonyms(cr, normalised, &c) {
			c.Accepted++
			continue
		}
		cr.Pseudonyms, cr.Rejected = nil, true
		c.Rejected++
	}
	return out, c
}

// pseudonyms fills in cr's pseudonyms of the non-empty normalised values.
// It returns false, with a problem added, for a value the domain's function
// cannot take (an OPRF input above keys.MaxOPRFInputLen bytes, which only a
// value that normalisation lengthens can reach).
func (j *Job) pseudonyms(cr *Coded, normalised []string, c *Counts) bool {
	cr.Pseudonyms = make([]string, len(j.fields))
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
			cr.Problems = append(cr.Problems, identity.Problem{Field: j.fields[k], Message: "The normalised value is too long for an OPRF domain."})
			return false
		}
		cr.Pseudonyms[k] = p
		n++
	}
	c.Pseudonyms += n
	return true
}
