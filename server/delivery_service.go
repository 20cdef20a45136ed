package server

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ttpnl/ttp/identity"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/seal"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/conversion"
	"github.com/ttpnl/ttp/server/session"
)

// deliveryService translates between gRPC and packages requests and
// conversion.
type deliveryService struct {
	ttpv1.UnimplementedDeliveryServiceServer
	s *Server
}

// MaxConvertRows bounds the rows of one ConvertStream chunk.
const MaxConvertRows = 10_000

func caller(ctx context.Context) authz.Principal {
	p, _ := authz.FromContext(ctx)
	return p
}

func (d *deliveryService) CreateLinkageRequest(ctx context.Context, req *ttpv1.CreateLinkageRequestRequest) (*ttpv1.CreateLinkageRequestResponse, error) {
	r, err := requestFromProto(req)
	if err != nil {
		return nil, err
	}
	if r, err = d.s.desk.Create(ctx, caller(ctx), r); err != nil {
		return nil, err
	}
	return &ttpv1.CreateLinkageRequestResponse{Request: requestProto(r, d.s.now())}, nil
}

func (d *deliveryService) SubmitLinkageRequest(ctx context.Context, req *ttpv1.SubmitLinkageRequestRequest) (*ttpv1.SubmitLinkageRequestResponse, error) {
	r, err := d.s.desk.Submit(ctx, caller(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return &ttpv1.SubmitLinkageRequestResponse{Request: requestProto(r, d.s.now())}, nil
}

func (d *deliveryService) ApproveLinkageRequest(ctx context.Context, req *ttpv1.ApproveLinkageRequestRequest) (*ttpv1.ApproveLinkageRequestResponse, error) {
	r, err := d.s.desk.Approve(ctx, caller(ctx), req.Id, req.Reason)
	if err != nil {
		return nil, err
	}
	return &ttpv1.ApproveLinkageRequestResponse{Request: requestProto(r, d.s.now())}, nil
}

func (d *deliveryService) RejectLinkageRequest(ctx context.Context, req *ttpv1.RejectLinkageRequestRequest) (*ttpv1.RejectLinkageRequestResponse, error) {
	r, err := d.s.desk.Reject(ctx, caller(ctx), req.Id, req.Reason)
	if err != nil {
		return nil, err
	}
	return &ttpv1.RejectLinkageRequestResponse{Request: requestProto(r, d.s.now())}, nil
}

func (d *deliveryService) CloseLinkageRequest(ctx context.Context, req *ttpv1.CloseLinkageRequestRequest) (*ttpv1.CloseLinkageRequestResponse, error) {
	r, err := d.s.desk.Close(ctx, caller(ctx), req.Id, req.Reason)
	if err != nil {
		return nil, err
	}
	return &ttpv1.CloseLinkageRequestResponse{Request: requestProto(r, d.s.now())}, nil
}

func (d *deliveryService) GetLinkageRequest(ctx context.Context, req *ttpv1.GetLinkageRequestRequest) (*ttpv1.GetLinkageRequestResponse, error) {
	r, err := d.s.desk.Get(ctx, caller(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return &ttpv1.GetLinkageRequestResponse{Request: requestProto(r, d.s.now())}, nil
}

func (d *deliveryService) ListLinkageRequests(ctx context.Context, _ *ttpv1.ListLinkageRequestsRequest) (*ttpv1.ListLinkageRequestsResponse, error) {
	rs, err := d.s.desk.List(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	resp := &ttpv1.ListLinkageRequestsResponse{}
	for _, r := range rs {
		resp.Requests = append(resp.Requests, requestProto(r, d.s.now()))
	}
	return resp, nil
}

func (d *deliveryService) GetDeliveryKey(ctx context.Context, req *ttpv1.GetDeliveryKeyRequest) (*ttpv1.GetDeliveryKeyResponse, error) {
	p := caller(ctx)
	k, err := d.s.recipients.Get(p.Name)
	if err != nil {
		return nil, apierr.New(apierr.FailedPrecondition, "principal %q has no registered sealing key to receive the delivery key under", p.Name)
	}
	key, err := d.s.desk.DeliveryKeyForRecipient(ctx, p, req.Id, req.Communication)
	if err != nil {
		return nil, err
	}
	kind := seal.ProjectKey
	if req.Communication {
		kind = seal.CommunicationKey
	}
	sealed, err := seal.Seal(k.Public, seal.DeliveryKeyInfo(req.Id, kind), key)
	clear(key)
	if err != nil {
		return nil, err
	}
	return &ttpv1.GetDeliveryKeyResponse{SealedKey: sealed}, nil
}

// ConvertStream converts chunk after chunk under one request, from one
// source domain, and records the conversion (rows sent, rows converted)
// when the stream ends, however it ends.
func (d *deliveryService) ConvertStream(stream ttpv1.DeliveryService_ConvertStreamServer) (err error) {
	ctx := stream.Context()
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	if first.RequestId == 0 {
		return apierr.BadField("request_id", "is required in the first chunk")
	}
	conv, err := d.startConversion(ctx, first.RequestId, first.Domain, first.Communication)
	if err != nil {
		return err
	}
	var rows, converted int64
	defer func() {
		// The stream's context may be cancelled; the record must still be written.
		if aerr := d.s.desk.Converted(context.WithoutCancel(ctx), caller(ctx), first.RequestId, first.Domain, conv.ProjectVersion(), rows, converted); aerr != nil && err == nil {
			err = aerr
		}
	}()
	for req := first; ; {
		if req.RequestId != 0 && req.RequestId != first.RequestId {
			return apierr.BadField("request_id", "a stream stays under one request; later chunks must leave it 0 or repeat it")
		}
		if req != first && req.Communication {
			return apierr.BadField("communication", "is read from the first chunk only")
		}
		if req.Domain != "" && req.Domain != first.Domain {
			return apierr.BadField("domain", "a stream stays in one domain; later chunks must leave it empty or repeat it")
		}
		if len(req.Rows) == 0 || len(req.Rows) > MaxConvertRows {
			return apierr.BadField("rows", "a chunk holds between 1 and %d rows", MaxConvertRows)
		}
		out := make([]*ttpv1.ConvertedRow, len(req.Rows))
		for i, row := range req.Rows {
			cell, comm, problem := conv.Row(row.PersonPseudonym)
			out[i] = &ttpv1.ConvertedRow{RowKey: row.RowKey, SealedProjectPseudonym: cell, SealedCommunicationPseudonym: comm}
			if problem != nil {
				out[i].Problems = problemsProto([]identity.Problem{*problem})
			} else {
				converted++
			}
		}
		rows += int64(len(req.Rows))
		if err = stream.Send(&ttpv1.ConvertStreamResponse{Rows: out}); err != nil {
			return err
		}
		if req, err = stream.Recv(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// startConversion checks that the caller may receive from domain and that
// request id allows a conversion from it (with communication, one that
// makes a communication file too), and returns the converter.
func (d *deliveryService) startConversion(ctx context.Context, id uint64, domain string, communication bool) (*conversion.Converter, error) {
	sess, err := d.s.openSession(ctx, domain, 0, session.Receive)
	if err != nil {
		return nil, err
	}
	r, keys, err := d.s.desk.ForConversion(ctx, caller(ctx), id, domain, communication)
	if err != nil {
		return nil, err
	}
	project, err := d.target(id, r.ProjectDomain, seal.ProjectKey, keys.Project)
	if err != nil {
		return nil, err
	}
	var contact *conversion.Target
	if communication {
		t, err := d.target(id, r.CommunicationDomain, seal.CommunicationKey, keys.Communication)
		if err != nil {
			return nil, err
		}
		contact = &t
	}
	survivors, err := d.s.index.Survivors(ctx)
	if err != nil {
		return nil, err
	}
	return conversion.New(sess.Domain, project, contact, survivors)
}

// target is one of request id's domains with its delivery key of kind;
// it clears the key bytes.
func (d *deliveryService) target(id uint64, domain string, kind seal.DeliveryKind, keyBytes []byte) (conversion.Target, error) {
	key, err := seal.NewDeliveryKey(id, kind, keyBytes)
	clear(keyBytes)
	if err != nil {
		return conversion.Target{}, err
	}
	dom, err := d.s.domains.Get(domain)
	if err != nil {
		return conversion.Target{}, fmt.Errorf("request %d's domain %s: %w", id, domain, err)
	}
	return conversion.Target{Domain: dom, Key: key}, nil
}
