package server

import (
	"context"
	"errors"
	"io"

	"google.golang.org/protobuf/types/known/timestamppb"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/authz"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/register"
)

// linkageService translates between gRPC and package register.
type linkageService struct {
	ttpv1.UnimplementedLinkageServiceServer
	s *Server
}

func (l *linkageService) start(ctx context.Context, domain string, fields []string, source string) (*register.Job, error) {
	p, _ := authz.FromContext(ctx)
	c, err := coding.Start(l.s.domains, p.Actor(), domain, fields, 0, l.s.today())
	if err != nil {
		return nil, err
	}
	return register.Start(c, l.s.index, l.s.encoder, l.s.audit, source, l.s.today())
}

func (l *linkageService) Register(ctx context.Context, req *ttpv1.RegisterRequest) (*ttpv1.RegisterResponse, error) {
	job, err := l.start(ctx, req.Domain, req.Fields, req.Source)
	if err != nil {
		return nil, err
	}
	if err := job.Check(req.Records, coding.MaxRecordsPerCall); err != nil {
		return nil, err
	}
	out, err := job.Register("Register", req.Records)
	if err != nil {
		return nil, err
	}
	return &ttpv1.RegisterResponse{KeyVersion: job.KeyVersion(), Records: out}, nil
}

// RegisterStream registers chunk by chunk. The index registers one batch at
// a time anyway (records of a batch are matched in order), so the stream
// needs no pipeline of its own; each chunk is parsed and encoded on every
// core inside the job.
func (l *linkageService) RegisterStream(stream ttpv1.LinkageService_RegisterStreamServer) error {
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	job, err := l.start(stream.Context(), first.Domain, first.Fields, first.Source)
	if err != nil {
		return err
	}
	for req := first; ; {
		if req.Domain != "" && req.Domain != first.Domain {
			return apierr.BadField("domain", "a stream registers into one domain; later chunks must leave it empty or repeat it")
		}
		if err := job.Check(req.Records, coding.MaxRecordsPerChunk); err != nil {
			return err
		}
		out, err := job.Register("RegisterStream", req.Records)
		if err != nil {
			return err
		}
		if err := stream.Send(&ttpv1.RegisterStreamResponse{KeyVersion: job.KeyVersion(), Records: out}); err != nil {
			return err
		}
		if req, err = stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func (l *linkageService) ListPersonChanges(ctx context.Context, req *ttpv1.ListPersonChangesRequest) (*ttpv1.ListPersonChangesResponse, error) {
	if req.Domain == "" {
		return nil, apierr.BadField("domain", "is required")
	}
	p, _ := authz.FromContext(ctx)
	d, err := l.s.domains.Get(req.Domain)
	if err != nil || !d.MayReceive(p.Name) {
		return nil, apierr.New(apierr.PermissionDenied, "principal %q may not receive from domain %q", p.Name, req.Domain)
	}
	pz, err := d.Keyring.Pseudonymizer(d.Keyring.Current())
	if err != nil {
		return nil, err
	}
	limit := int(req.PageSize)
	if limit <= 0 || limit > 10_000 {
		limit = 10_000
	}
	changes, err := l.s.index.Changes(req.AfterSequence, limit)
	if err != nil {
		return nil, err
	}
	resp := &ttpv1.ListPersonChangesResponse{}
	for _, c := range changes {
		resp.Changes = append(resp.Changes, &ttpv1.PersonChange{
			Sequence:   c.Seq,
			Time:       timestamppb.New(c.Time),
			Kind:       changeKindProto[c.Kind],
			FromPerson: coding.PersonPseudonym(pz, c.From),
			ToPerson:   coding.PersonPseudonym(pz, c.To),
		})
	}
	return resp, nil
}

var changeKindProto = map[linkage.ChangeKind]ttpv1.PersonChangeKind{
	linkage.Merge: ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_MERGE,
	linkage.Split: ttpv1.PersonChangeKind_PERSON_CHANGE_KIND_SPLIT,
}
