// Package register is the business logic of record registration: it checks a
// caller's request like package coding does, parses and encodes the records
// on every core, registers them in the person index together with their
// audit record, and answers each with its person's pseudonym in the domain.
package register

import (
	"fmt"
	"github.com/dgraph-io/badger/v4"
	"github.com/ttpnl/ttp/identity"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/linkage"
)

// Job registers records from one caller, answering in one domain.
type Job struct {
	coding *coding.Job
	parser *linkage.Parser
	enc    *linkage.Encoder
	index  *linkage.Index
	log    *audit.Log
	source string // for records without agb and patient_number
}

// Start checks the request (as coding.Start) and that every record can be
// identified: by agb and patient_number, or by source and row key.
func Start(c *coding.Job, index *linkage.Index, enc *linkage.Encoder, log *audit.Log, source string, today identity.Date) (*Job, error) {
	fields := c.IdentityFields()
	hasPatient := false
	for _, f := range fields {
		hasPatient = hasPatient || f == identity.FieldPatientNumber
	}
	if !hasPatient && source == "" {
		return nil, apierr.BadField("source", "is required when the fields hold no agb and patient_number")
	}
	parser, err := linkage.NewParser(fields, today)
	if err != nil {
		return nil, apierr.BadField("fields", "%v", err)
	}
	return &Job{coding: c, parser: parser, enc: enc, index: index, log: log, source: source}, nil
}

// KeyVersion is the version of the person pseudonyms.
func (j *Job) KeyVersion() uint32 { return j.coding.KeyVersion() }

// Check rejects a malformed chunk as a whole (see coding.Job.Check).
func (j *Job) Check(records []*ttpv1.Record, max int) error { return j.coding.Check(records, max) }

// Register registers a checked chunk. action names it in the audit log.
func (j *Job) Register(action string, records []*ttpv1.Record) ([]*ttpv1.LinkedRecord, error) {
	prep := linkage.PrepareAll(j.parser, j.enc, len(records),
		func(i int) []string { return records[i].Values },
		func(i int) string { return j.source + ":" + records[i].RowKey })
	batch := make([]linkage.Encoded, 0, len(records))
	for i := range prep {
		if !prep[i].Rejected {
			batch = append(batch, prep[i].Encoded)
		}
	}
	commit := func(results []linkage.Result, write func(txn *badger.Txn) error) error {
		return j.log.Append(j.auditRecord(action, len(records), results), write)
	}
	results, err := j.index.Register(batch, commit)
	if err != nil {
		return nil, err
	}
	out := make([]*ttpv1.LinkedRecord, len(records))
	slab := make([]ttpv1.LinkedRecord, len(records))
	next := 0
	for i, r := range records {
		lr := &slab[i]
		lr.RowKey = r.RowKey
		lr.Problems = coding.ProblemsProto(prep[i].Problems)
		if prep[i].Rejected {
			lr.Rejected = true
		} else {
			res := results[next]
			next++
			lr.PersonPseudonym = j.coding.Person(res.Person)
			lr.Decision = decisionProto[res.Decision]
		}
		out[i] = lr
	}
	return out, nil
}

var decisionProto = map[linkage.Decision]ttpv1.LinkDecision{
	linkage.Known:  ttpv1.LinkDecision_LINK_DECISION_KNOWN,
	linkage.Linked: ttpv1.LinkDecision_LINK_DECISION_LINKED,
	linkage.New:    ttpv1.LinkDecision_LINK_DECISION_NEW,
	linkage.Review: ttpv1.LinkDecision_LINK_DECISION_REVIEW,
}

func (j *Job) auditRecord(action string, n int, results []linkage.Result) audit.Record {
	var c [5]int
	for _, r := range results {
		c[r.Decision]++
	}
	rec := j.coding.AuditRecord(action, coding.Counts{Records: n, Accepted: len(results), Rejected: n - len(results)})
	rec.Detail = fmtDecisions(c)
	return rec
}

func fmtDecisions(c [5]int) string {
	return fmt.Sprintf("linked %d, new %d, review %d, known %d", c[linkage.Linked], c[linkage.New], c[linkage.Review], c[linkage.Known])
}
