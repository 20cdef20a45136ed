package server

import (
	"context"
	"fmt"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/store"
)

// RegisterObjections registers patients' objections as registration
// registers records (same parsing, minimum evidence, matching, quota), or
// withdraws objections the caller's organisation registered.
func (l *linkageService) RegisterObjections(ctx context.Context, req *ttpv1.RegisterObjectionsRequest) (*ttpv1.RegisterObjectionsResponse, error) {
	if req.Withdraw {
		return l.withdrawObjections(ctx, req)
	}
	reg, recs, err := l.startCall(ctx, req.Domain, req.Fields, req.Source, req.Records)
	if err != nil {
		return nil, err
	}
	out, err := reg.Object(ctx, "RegisterObjections", recs)
	if err != nil {
		return nil, err
	}
	resp := &ttpv1.RegisterObjectionsResponse{Records: make([]*ttpv1.ObjectionResult, len(out))}
	for i, o := range out {
		resp.Records[i] = &ttpv1.ObjectionResult{RowKey: o.RowKey, Done: !o.Rejected, Rejected: o.Rejected, Problems: problemsProto(o.Problems)}
	}
	return resp, nil
}

func (l *linkageService) withdrawObjections(ctx context.Context, req *ttpv1.RegisterObjectionsRequest) (*ttpv1.RegisterObjectionsResponse, error) {
	sess, recs, names, err := l.nameCall(ctx, req.Domain, req.Fields, req.Source, req.Records)
	if err != nil {
		return nil, err
	}
	resp := &ttpv1.RegisterObjectionsResponse{Records: make([]*ttpv1.ObjectionResult, len(recs))}
	for i, r := range recs {
		resp.Records[i] = &ttpv1.ObjectionResult{RowKey: r.RowKey, Rejected: len(names.problems[i]) > 0, Problems: problemsProto(names.problems[i])}
	}
	if len(names.sources) == 0 {
		return resp, nil
	}
	done, err := l.s.index.Reinstate(ctx, names.sources, l.s.now(), func(tx store.Tx, reinstated int) error {
		rec := sess.AuditRecord("WithdrawObjections")
		rec.Records, rec.Accepted = int64(len(recs)), int64(reinstated)
		rec.Detail = fmt.Sprintf("%d objections withdrawn", reinstated)
		return l.s.audit.AppendTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	for k, i := range names.rows {
		resp.Records[i].Done = done[k]
	}
	return resp, nil
}
