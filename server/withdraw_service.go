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
	sess, err := l.s.openSession(ctx, req.Domain, 0, session.Register)
	if err != nil {
		return nil, err
	}
	agb, pn := slices.Index(req.Fields, string(identity.FieldAGB)), slices.Index(req.Fields, string(identity.FieldPatientNumber))
	switch {
	case len(req.Fields) == 0 && req.Source == "":
		return nil, apierr.BadField("source", "is required when the fields hold no agb and patient_number")
	case len(req.Fields) > 0 && (agb < 0 || pn < 0 || len(req.Fields) != 2):
		return nil, apierr.BadField("fields", "name agb and patient_number, or nothing (then source and the row keys name the records)")
	}
	recs := recordsFromProto(req.Records)
	if err := records.Check(recs, req.Fields, records.MaxPerCall); err != nil {
		return nil, err
	}
	resp := &ttpv1.WithdrawRecordsResponse{Records: make([]*ttpv1.WithdrawnRecord, len(recs))}
	var sources []uint64
	var named []int // the rows of sources
	for i, r := range recs {
		resp.Records[i] = &ttpv1.WithdrawnRecord{RowKey: r.RowKey}
		var patientNumber string
		if len(req.Fields) > 0 {
			canonical, problem := identity.CanonicalPatientNumber(r.Values[agb], r.Values[pn])
			if problem != nil {
				resp.Records[i].Problems = problemsProto([]identity.Problem{*problem})
				continue
			}
			patientNumber = canonical
		}
		source, ok := linkage.SourceOf(sess.Actor.Organisation, patientNumber, req.Source, r.RowKey)
		if !ok {
			resp.Records[i].Problems = problemsProto([]identity.Problem{identity.NewProblem(identity.FieldPatientNumber, identity.CodeNoSource)})
			continue
		}
		sources = append(sources, l.s.encoder.SourceKey(source))
		named = append(named, i)
	}
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
