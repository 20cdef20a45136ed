package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"google.golang.org/protobuf/types/known/timestamppb"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/linkage/em"
	"github.com/ttpnl/ttp/server/store"
)

// The person index's model per linkage space (issue 9): estimated on the
// index's own records on an operator's command, stored as a version,
// compared with the active one, and used only once activated, on purpose.

// emIterations bounds EM; it converges in far fewer on real indexes.
const emIterations = 500

func (a *adminService) EstimateLinkageModel(ctx context.Context, req *ttpv1.EstimateLinkageModelRequest) (*ttpv1.EstimateLinkageModelResponse, error) {
	if req.Sample < 0 || req.Sample > 1 {
		return nil, apierr.BadField("sample", "is a share of the records, in (0, 1]")
	}
	pairs := int(req.RandomPairs)
	if pairs == 0 {
		pairs = 100_000
	}
	active := a.s.index.Model()
	candidates, err := a.s.index.CandidatePairs(ctx, 0, req.Sample)
	if err != nil {
		return nil, err
	}
	patterns := candidates.Patterns
	if len(patterns) == 0 {
		return nil, apierr.New(apierr.FailedPrecondition, "the index has no candidate pairs to estimate on")
	}
	estimated := active
	if req.KeepWeights {
		pairs = 0 // none counted: the active m and u stay
	} else if estimated, err = estimateWeights(ctx, a.s.index, active, patterns, pairs); err != nil {
		return nil, err
	}
	// Which patterns with two valid BSNs this space's own pairs send to a
	// clerk (never to a link): stored with the version, used once active.
	otherBSN := linkage.EstimateOtherBSN(candidates, active)
	estimated = withOtherBSN(estimated, otherBSN)
	data, err := estimated.MarshalJSON()
	if err != nil {
		return nil, err
	}
	p, _ := authz.FromContext(ctx)
	var version uint64
	err = a.s.st.Update(ctx, func(tx store.Tx) error {
		if version, err = tx.Models().Create(data, a.s.now().UTC()); err != nil {
			return err
		}
		rec := p.Actor().Record("EstimateLinkageModel")
		rec.Detail = fmt.Sprintf("version %d from %d candidate pairs and %d random pairs; replaced BSNs %.4f, %d patterns with two valid BSNs to a clerk", version, len(patterns), pairs, otherBSN.Replaced, len(otherBSN.Review))
		return a.s.audit.AppendTx(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return &ttpv1.EstimateLinkageModelResponse{
		Version: version, CandidatePairs: uint64(len(patterns)), Levels: modelLevelsProto(active, estimated),
		ReplacedBsn: otherBSN.Replaced, OtherBsn: otherBSNProto(otherBSN),
	}, nil
}

// estimateWeights estimates m by EM on the candidate pairs, with u from
// random pairs of the index's records.
func estimateWeights(ctx context.Context, ix *linkage.Index, active *linkage.Model, patterns []linkage.Pattern, randomPairs int) (*linkage.Model, error) {
	withU, err := em.EstimateU(ctx, ix, active, randomPairs, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
	if err != nil {
		return nil, apierr.New(apierr.FailedPrecondition, "%v", err)
	}
	estimated, _, err := em.EstimateM(patterns, withU, emIterations)
	if err != nil {
		return nil, apierr.New(apierr.FailedPrecondition, "EM did not give a model: %v", err)
	}
	return estimated, nil
}

// withOtherBSN is a copy of m with est: the active model is shared with
// registration and is never changed in place.
func withOtherBSN(m *linkage.Model, est *linkage.OtherBSN) *linkage.Model {
	out := *m
	out.SetOtherBSN(est)
	return &out
}

func (a *adminService) ActivateLinkageModel(ctx context.Context, req *ttpv1.ActivateLinkageModelRequest) (*ttpv1.ActivateLinkageModelResponse, error) {
	p, _ := authz.FromContext(ctx)
	rec := p.Actor().Record("ActivateLinkageModel")
	rec.Detail = fmt.Sprintf("version %d", req.Version)
	var model *linkage.Model
	err := a.s.audit.Append(ctx, rec, func(tx store.Tx) error {
		if err := tx.Models().Activate(req.Version); err != nil {
			return err
		}
		var err error
		model, err = activeModel(tx)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.New(apierr.NotFound, "no linkage model version %d", req.Version)
	}
	if err != nil {
		return nil, err
	}
	a.s.index.SetModel(model)
	return &ttpv1.ActivateLinkageModelResponse{}, nil
}

func (a *adminService) ListLinkageModels(ctx context.Context, _ *ttpv1.ListLinkageModelsRequest) (*ttpv1.ListLinkageModelsResponse, error) {
	resp := &ttpv1.ListLinkageModelsResponse{}
	err := a.s.st.View(ctx, func(tx store.Tx) error {
		ms, err := tx.Models().List()
		for _, m := range ms {
			resp.Versions = append(resp.Versions, &ttpv1.LinkageModelVersion{Version: m.Version, Created: timestamppb.New(m.Created), Active: m.Active})
		}
		return err
	})
	return resp, err
}

// activeModel reads the active model version; nil when none was activated
// (the configured or default model then holds).
func activeModel(tx store.Tx) (*linkage.Model, error) {
	ms, err := tx.Models().List()
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Active {
			model, err := linkage.ParseModel(m.Data)
			if err == nil {
				err = model.Prepare()
			}
			if err != nil {
				return nil, fmt.Errorf("linkage model version %d: %w", m.Version, err)
			}
			return model, nil
		}
	}
	return nil, nil
}
