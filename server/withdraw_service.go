package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/ttpnl/ttp/identity"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/session"
	"github.com/ttpnl/ttp/server/store"
)

// WithdrawRecords names each record as registration did (linkage.SourceOf,
// in the caller's organisation: a broker can withdraw only its own
// organisation's records) and withdraws those that are there, with one
// audit record.
func (l *linkageService) WithdrawRecords(ctx context.Context, req *ttpv1.WithdrawRecordsRequest) (*ttpv1.WithdrawRecordsResponse, error) {
	sess, recs, names, err := l.nameCall(ctx, req.Domain, req.Fields, req.Source, req.Records)
	if err != nil {
		return nil, err
	}
	resp := &ttpv1.WithdrawRecordsResponse{Records: make([]*ttpv1.WithdrawnRecord, len(recs))}
	for i, r := range recs {
		resp.Records[i] = &ttpv1.WithdrawnRecord{RowKey: r.RowKey, Problems: problemsProto(names.problems[i])}
	}
	sources, named := names.sources, names.rows
	if len(sources) == 0 {
		return resp, nil
	}
	found, err := l.s.index.Withdraw(ctx, sources, l.s.now(), func(tx store.Tx, withdrawn int) error {
		rec := sess.AuditRecord("WithdrawRecords")
		rec.Records, rec.Accepted, rec.Rejected = int64(len(recs)), int64(withdrawn), int64(len(recs)-withdrawn)
		rec.Detail = fmt.Sprintf("%d records withdrawn", withdrawn)
		return l.s.audit.AppendTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	for k, i := range named {
		resp.Records[i].Withdrawn = found[k]
	}
	return resp, nil
}

// nameCall starts a call that names records of the caller's organisation
// by their sources (a withdrawal): the session, and the records named.
func (l *linkageService) nameCall(ctx context.Context, domain string, fields []string, source string, pbRecords []*ttpv1.Record) (*session.Session, []records.Record, sourceNames, error) {
	sess, err := l.s.openSession(ctx, domain, 0, session.Register)
	if err != nil {
		return nil, nil, sourceNames{}, err
	}
	recs := recordsFromProto(pbRecords)
	names, err := nameSources(sess.Actor.Organisation, fields, source, recs, l.s.encoder.SourceKey)
	return sess, recs, names, err
}

// sourceNames are the sources a call names: per row its problems, and the
// keyed sources of the rows that named one.
type sourceNames struct {
	problems [][]identity.Problem
	sources  []uint64
	rows     []int // the row of each source
}

// nameSources names each record as registration did (linkage.SourceOf, in
// organisation's namespace: a broker names only its own organisation's
// records), by agb and patient_number, or by source and row key.
func nameSources(organisation string, fields []string, source string, recs []records.Record, key func(string) uint64) (sourceNames, error) {
	names := sourceNames{problems: make([][]identity.Problem, len(recs))}
	agb, pn := slices.Index(fields, string(identity.FieldAGB)), slices.Index(fields, string(identity.FieldPatientNumber))
	switch {
	case len(fields) == 0 && source == "":
		return names, apierr.BadField("source", "is required when the fields hold no agb and patient_number")
	case len(fields) > 0 && (agb < 0 || pn < 0 || len(fields) != 2):
		return names, apierr.BadField("fields", "name agb and patient_number, or nothing (then source and the row keys name the records)")
	}
	if err := records.Check(recs, fields, records.MaxPerCall); err != nil {
		return names, err
	}
	for i, r := range recs {
		var agbValue, number string
		if len(fields) > 0 {
			agbValue, number = r.Values[agb], r.Values[pn]
		}
		src, problem := linkage.SourceOfNamed(organisation, agbValue, number, source, r.RowKey)
		if problem != nil {
			names.problems[i] = []identity.Problem{*problem}
			continue
		}
		names.sources = append(names.sources, key(src))
		names.rows = append(names.rows, i)
	}
	return names, nil
}
