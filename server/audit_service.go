package server

import (
	"context"
	"errors"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/checkpoint"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/audit"
)

// auditService translates between gRPC and package audit's tree, and signs
// checkpoints with the server's audit key.
type auditService struct {
	ttpv1.UnimplementedAuditServiceServer
	s *Server
}

func (a *auditService) GetCheckpoint(ctx context.Context, _ *ttpv1.GetCheckpointRequest) (*ttpv1.GetCheckpointResponse, error) {
	tree, err := a.s.audit.Head(ctx)
	if err != nil {
		return nil, err
	}
	k := a.s.auditKey
	signed, err := checkpoint.Sign(checkpoint.Checkpoint{Origin: k.Signer.Name(), Size: tree.Size, Hash: tree.Hash}, k.Signer)
	if err != nil {
		return nil, err
	}
	return &ttpv1.GetCheckpointResponse{Checkpoint: signed, VerifierKey: k.Verifier}, nil
}

func (a *auditService) ProveConsistency(ctx context.Context, req *ttpv1.ProveConsistencyRequest) (*ttpv1.ProveConsistencyResponse, error) {
	if req.OldSize > req.NewSize {
		return nil, apierr.BadField("old_size", "old_size %d is above new_size %d", req.OldSize, req.NewSize)
	}
	proof, err := a.s.audit.ProveConsistency(ctx, req.OldSize, req.NewSize)
	if err != nil {
		return nil, proofErr(err)
	}
	return &ttpv1.ProveConsistencyResponse{Proof: hashBytes(proof)}, nil
}

func (a *auditService) ProveInclusion(ctx context.Context, req *ttpv1.ProveInclusionRequest) (*ttpv1.ProveInclusionResponse, error) {
	if req.Seq < 1 || req.Seq > req.TreeSize {
		return nil, apierr.BadField("seq", "record %d is not in a tree of %d records", req.Seq, req.TreeSize)
	}
	rec, proof, err := a.s.audit.ProveInclusion(ctx, req.Seq, req.TreeSize)
	if err != nil {
		return nil, proofErr(err)
	}
	return &ttpv1.ProveInclusionResponse{Record: rec, Proof: hashBytes(proof)}, nil
}

func (a *auditService) ProveRange(ctx context.Context, req *ttpv1.ProveRangeRequest) (*ttpv1.ProveRangeResponse, error) {
	switch {
	case req.FirstSeq == req.LastSeq && (req.FirstSeq < 1 || req.FirstSeq > req.TreeSize):
		return nil, apierr.BadField("first_seq", "record %d is not in a tree of %d records", req.FirstSeq, req.TreeSize)
	case req.FirstSeq < 1 || req.LastSeq < req.FirstSeq || req.LastSeq > req.TreeSize:
		return nil, apierr.BadField("first_seq", "records %d..%d are not a range of a tree of %d records", req.FirstSeq, req.LastSeq, req.TreeSize)
	case req.LastSeq-req.FirstSeq >= checkpoint.MaxRange:
		return nil, apierr.BadField("last_seq", "records %d..%d are more than the %d one call returns", req.FirstSeq, req.LastSeq, checkpoint.MaxRange)
	}
	recs, proof, err := a.s.audit.ProveRange(ctx, req.FirstSeq, req.LastSeq, req.TreeSize)
	if err != nil {
		return nil, proofErr(err)
	}
	return &ttpv1.ProveRangeResponse{Records: recs, Proof: hashBytes(proof)}, nil
}

// proofErr tells the caller that the tree it named is larger than the log
// (which is what a truncated log looks like); anything else is internal.
func proofErr(err error) error {
	if errors.Is(err, audit.ErrBeyond) {
		return apierr.New(apierr.FailedPrecondition, "%s", err.Error())
	}
	return err
}

func hashBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}
