package server

import (
	"context"
	"errors"
	"io"

	"github.com/ttpnl/ttp/keys"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/oblivious"
	"github.com/ttpnl/ttp/server/recipients"
	"github.com/ttpnl/ttp/server/session"
)

// obliviousService translates between gRPC and package oblivious.
type obliviousService struct {
	ttpv1.UnimplementedObliviousServiceServer
	s *Server
}

func (o *obliviousService) start(ctx context.Context, domain string, version uint32) (*oblivious.Job, error) {
	sess, err := o.s.openSession(ctx, domain, version, session.Evaluate)
	if err != nil {
		return nil, err
	}
	return oblivious.Start(sess)
}

func (o *obliviousService) GetPublicKey(ctx context.Context, req *ttpv1.GetPublicKeyRequest) (*ttpv1.GetPublicKeyResponse, error) {
	job, err := o.start(ctx, req.Domain, req.KeyVersion)
	if err != nil {
		return nil, err
	}
	return &ttpv1.GetPublicKeyResponse{KeyVersion: job.KeyVersion(), PublicKey: job.PublicKey(), Suite: keys.OPRFSuite}, nil
}

func (o *obliviousService) Evaluate(ctx context.Context, req *ttpv1.EvaluateRequest) (*ttpv1.EvaluateResponse, error) {
	job, err := o.start(ctx, req.Domain, req.KeyVersion)
	if err != nil {
		return nil, err
	}
	info, err := job.Info(req.Field)
	if err != nil {
		return nil, err
	}
	if err := job.Check(req.BlindedElements, false); err != nil {
		return nil, err
	}
	if err := o.s.quotas.pseudonyms.Take(job.Session.Actor.Principal, len(req.BlindedElements)); err != nil {
		return nil, err
	}
	batches, err := job.Evaluate(req.BlindedElements, info, true)
	if err != nil {
		return nil, err
	}
	if err := o.s.audit.Append(ctx, job.AuditRecord("Evaluate", req.Field, len(req.BlindedElements)), nil); err != nil {
		return nil, err
	}
	return &ttpv1.EvaluateResponse{KeyVersion: job.KeyVersion(), Batches: batchesProto(batches)}, nil
}

// evalResult is an evaluated message on its way back, in order.
type evalResult struct {
	resp  *ttpv1.EvaluateStreamResponse
	field string
	n     int
}

// EvaluateStream evaluates messages on all cores while the next ones arrive
// (one proof per message), and answers in the order the messages came. Each
// answer is audited, durably, before it is sent.
func (o *obliviousService) EvaluateStream(stream ttpv1.ObliviousService_EvaluateStreamServer) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	job, err := o.start(ctx, first.Domain, first.KeyVersion)
	if err != nil {
		return err
	}
	check := func(req *ttpv1.EvaluateStreamRequest) (func() (evalResult, error), error) {
		info, err := o.checkMessage(job, req)
		if err != nil {
			return nil, err
		}
		return func() (evalResult, error) {
			batches, err := job.Evaluate(req.BlindedElements, info, false)
			return evalResult{&ttpv1.EvaluateStreamResponse{KeyVersion: job.KeyVersion(), Batches: batchesProto(batches)}, req.Field, len(req.BlindedElements)}, err
		}, nil
	}
	deliver := func(res evalResult) error {
		if err := o.s.audit.Append(ctx, job.AuditRecord("EvaluateStream", res.field, res.n), nil); err != nil {
			return err
		}
		return stream.Send(res.resp)
	}
	return serveOrdered(ctx, first, stream.Recv, o.s.holdFor(ctx), check, deliver)
}

// checkMessage rejects a message that changes the domain or is malformed,
// and takes its elements from the caller's quota.
func (o *obliviousService) checkMessage(job *oblivious.Job, req *ttpv1.EvaluateStreamRequest) ([]byte, error) {
	if err := job.Session.SameDomain(req.Domain); err != nil {
		return nil, err
	}
	info, err := job.Info(req.Field)
	if err != nil {
		return nil, err
	}
	if err := job.Check(req.BlindedElements, true); err != nil {
		return nil, err
	}
	if err := o.s.quotas.pseudonyms.Take(job.Session.Actor.Principal, len(req.BlindedElements)); err != nil {
		return nil, err
	}
	return info, nil
}

func (o *obliviousService) GetRecipientKey(ctx context.Context, req *ttpv1.GetRecipientKeyRequest) (*ttpv1.GetRecipientKeyResponse, error) {
	if err := recipients.CheckName(req.Name); err != nil {
		return nil, err
	}
	k, err := o.s.recipients.Get(req.Name)
	if err != nil {
		return nil, err
	}
	return &ttpv1.GetRecipientKeyResponse{Key: recipientKeyProto(k)}, nil
}

// RegisterRecipientKey and ListRecipientKeys are AdminService methods; they
// live here with the rest of sealing.

func (a *adminService) RegisterRecipientKey(ctx context.Context, req *ttpv1.RegisterRecipientKeyRequest) (*ttpv1.RegisterRecipientKeyResponse, error) {
	p, _ := authz.FromContext(ctx)
	k, err := a.s.recipients.Register(ctx, p.Actor(), req.Name, req.PublicKey)
	if err != nil {
		return nil, err
	}
	return &ttpv1.RegisterRecipientKeyResponse{Key: recipientKeyProto(k)}, nil
}

func (a *adminService) ListRecipientKeys(ctx context.Context, req *ttpv1.ListRecipientKeysRequest) (*ttpv1.ListRecipientKeysResponse, error) {
	resp := &ttpv1.ListRecipientKeysResponse{}
	for _, k := range a.s.recipients.List() {
		resp.Keys = append(resp.Keys, recipientKeyProto(k))
	}
	return resp, nil
}
