package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ttpnl/ttp/identity"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/store"
)

func (a *adminService) ListReviewItems(ctx context.Context, req *ttpv1.ListReviewItemsRequest) (*ttpv1.ListReviewItemsResponse, error) {
	limit := int(req.PageSize)
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	items, err := a.s.index.Reviews(ctx, limit)
	if err != nil {
		return nil, err
	}
	sources, err := a.reviewSources(ctx, items)
	if err != nil {
		return nil, err
	}
	resp := &ttpv1.ListReviewItemsResponse{}
	for _, it := range items {
		pb := reviewItemProto(it)
		pb.RecordSource, pb.CandidateSource = sources[it.ID], sources[it.CandidateRecord]
		resp.Items = append(resp.Items, pb)
	}
	return resp, nil
}

// reviewSources opens the sealed sources of the items' records, for the
// clerk (operators only); none without a source key.
func (a *adminService) reviewSources(ctx context.Context, items []linkage.ReviewItem) (map[uint64]string, error) {
	out := map[uint64]string{}
	if a.s.reidKey == nil || len(items) == 0 {
		return out, nil
	}
	var ids []uint64
	for _, it := range items {
		ids = append(ids, it.ID, it.CandidateRecord)
	}
	err := a.s.st.View(ctx, func(tx store.Tx) error {
		sealed, err := tx.Index().ReidSources(ids)
		if err != nil {
			return err
		}
		for id, b := range sealed {
			src, err := a.s.reidKey.OpenSource(id, b)
			if err != nil {
				return fmt.Errorf("record %d's sealed source: %w", id, err)
			}
			out[id] = src.String()
		}
		return nil
	})
	return out, err
}

func (a *adminService) ResolveReviewItem(ctx context.Context, req *ttpv1.ResolveReviewItemRequest) (*ttpv1.ResolveReviewItemResponse, error) {
	p, _ := authz.FromContext(ctx)
	rec := p.Actor().Record("ResolveReviewItem")
	rec.Detail = "item " + strconv.FormatUint(req.Id, 10) + map[bool]string{true: ": match (merge)", false: ": non-match"}[req.Match]
	err := a.s.index.Resolve(ctx, req.Id, req.Match, a.s.now(), func(tx store.Tx) error {
		return a.s.audit.AppendTx(tx, rec)
	})
	if errors.Is(err, linkage.ErrNoReviewItem) {
		return nil, apierr.New(apierr.NotFound, "review item %d is not open", req.Id)
	}
	if err != nil {
		return nil, err
	}
	return &ttpv1.ResolveReviewItemResponse{}, nil
}

func (a *adminService) SplitRecord(ctx context.Context, req *ttpv1.SplitRecordRequest) (*ttpv1.SplitRecordResponse, error) {
	source, err := splitSource(req)
	if err != nil {
		return nil, err
	}
	p, _ := authz.FromContext(ctx)
	rec := p.Actor().Record("SplitRecord")
	change, err := a.s.index.Split(ctx, a.s.encoder.SourceKey(source), a.s.now(), func(tx store.Tx) error {
		return a.s.audit.AppendTx(tx, rec)
	})
	switch {
	case errors.Is(err, linkage.ErrNoRecord):
		return nil, apierr.New(apierr.NotFound, "no record is registered under that source")
	case errors.Is(err, linkage.ErrOnlyRecord):
		return nil, apierr.New(apierr.FailedPrecondition, "the record is its person's only record: nothing to split")
	case err != nil:
		return nil, err
	}
	return &ttpv1.SplitRecordResponse{ChangeSequence: change.Seq}, nil
}

// RecordHistory shows the versions registered under a source: a clerk's
// answer to "what did this hospital send, and withdraw, for this patient".
func (a *adminService) RecordHistory(ctx context.Context, req *ttpv1.RecordHistoryRequest) (*ttpv1.RecordHistoryResponse, error) {
	source, err := splitSource(&ttpv1.SplitRecordRequest{Agb: req.Agb, PatientNumber: req.PatientNumber, Source: req.Source, RowKey: req.RowKey, Organisation: req.Organisation})
	if err != nil {
		return nil, err
	}
	v, err := a.s.index.History(ctx, a.s.encoder.SourceKey(source))
	if err != nil {
		return nil, err
	}
	resp := &ttpv1.RecordHistoryResponse{Current: v.Current}
	for _, e := range v.Withdrawn {
		resp.Withdrawn = append(resp.Withdrawn, &ttpv1.RecordVersion{Version: uint32(e.Version), Withdrawn: timestamppb.New(e.Withdrawn)})
	}
	return resp, nil
}

// splitSource names the record as registration did (linkage.SourceOf).
func splitSource(req *ttpv1.SplitRecordRequest) (string, error) {
	if req.Organisation == "" {
		return "", apierr.BadField("organisation", "is required: a source belongs to the organisation that registered it")
	}
	source, problem := linkage.SourceOfNamed(req.Organisation, req.Agb, req.PatientNumber, req.Source, req.RowKey)
	switch {
	case problem != nil && problem.Code == identity.CodeNoSource:
		return "", apierr.BadField("source", "give agb and patient_number, or source and row_key")
	case problem != nil:
		return "", apierr.BadField("patient_number", "%s", problem.Message)
	}
	return source, nil
}
