package server

import (
	"context"
	"errors"
	"io"
	"slices"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/linkage"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/session"
)

// linkageService translates between gRPC and package linkage.
type linkageService struct {
	ttpv1.UnimplementedLinkageServiceServer
	s *Server
}

// registration is one call's registration, with the fields it pinned.
type registration struct {
	*linkage.Registration
	fields []string
}

func (l *linkageService) start(ctx context.Context, domain string, fields []string, source string) (*registration, error) {
	sess, err := l.s.openSession(ctx, domain, 0, session.Register)
	if err != nil {
		return nil, err
	}
	parsed, err := coding.ParseFields(fields)
	if err != nil {
		return nil, err
	}
	owner := linkage.Owner{Organisation: sess.Actor.Organisation, AGBCodes: l.s.running.Load().AGBCodes(sess.Actor.Organisation)}
	reg, err := linkage.NewRegistration(sess, parsed, owner, source, l.s.index, l.s.encoder, l.s.audit, l.s.today())
	if err != nil {
		if apierr.KindOf(err) == apierr.Internal {
			err = apierr.BadField("fields", "%v", err)
		}
		return nil, err
	}
	// With a source key every record's source is kept, sealed: for review
	// (clerks ask the hospitals) and, in the domains that allow it,
	// re-identification.
	if l.s.reidKey != nil {
		reg.KeepSealedSources(l.s.reidKey)
	}
	return &registration{Registration: reg, fields: slices.Clone(fields)}, nil
}

// startCall starts a unary registration call: the session and fields,
// the records checked whole, the quota taken.
func (l *linkageService) startCall(ctx context.Context, domain string, fields []string, source string, pbRecords []*ttpv1.Record) (*registration, []records.Record, error) {
	reg, err := l.start(ctx, domain, fields, source)
	if err != nil {
		return nil, nil, err
	}
	recs := recordsFromProto(pbRecords)
	if err := records.Check(recs, reg.fields, records.MaxPerCall); err != nil {
		return nil, nil, err
	}
	if err := l.takeQuota(reg, recs); err != nil {
		return nil, nil, err
	}
	return reg, recs, nil
}

func (l *linkageService) Register(ctx context.Context, req *ttpv1.RegisterRequest) (*ttpv1.RegisterResponse, error) {
	reg, recs, err := l.startCall(ctx, req.Domain, req.Fields, req.Source, req.Records)
	if err != nil {
		return nil, err
	}
	out, err := reg.Register(ctx, "Register", recs)
	if err != nil {
		return nil, err
	}
	l.s.metrics.observeDecisions(out)
	return &ttpv1.RegisterResponse{KeyVersion: uint32(reg.Session().KeyVersion()), Records: registeredProto(out)}, nil
}

// RegisterStream parses and encodes chunks on all cores while earlier ones
// are matched and stored, and answers in the order the chunks came. Matching
// is one chunk at a time (records of a batch are matched in order), while
// the chunk before is written; each answer is durable, with its audit
// record, before it is sent.
func (l *linkageService) RegisterStream(stream ttpv1.LinkageService_RegisterStreamServer) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return err
	}
	reg, err := l.start(ctx, first.Domain, first.Fields, first.Source)
	if err != nil {
		return err
	}
	check := func(req *ttpv1.RegisterStreamRequest) (func() (*linkage.Chunk, error), error) {
		recs := recordsFromProto(req.Records)
		if err := reg.checkChunk(req, first, recs); err != nil {
			return nil, err
		}
		if err := l.takeQuota(reg, recs); err != nil {
			return nil, err
		}
		return func() (*linkage.Chunk, error) { return reg.Prepare(recs), nil }, nil
	}
	// A chunk is matched while the one before is written; a sender answers
	// each, in order, once it is durable.
	committed := make(chan committedChunk, 1)
	sent := make(chan error, 1)
	go func() {
		var err error
		for c := range committed {
			if werr := c.wait(); err == nil && werr != nil {
				err = werr
			}
			if err == nil {
				l.s.metrics.observeDecisions(c.out)
				err = stream.Send(&ttpv1.RegisterStreamResponse{KeyVersion: uint32(reg.Session().KeyVersion()), Records: registeredProto(c.out)})
			}
		}
		sent <- err
	}()
	deliver := func(c *linkage.Chunk) error {
		out, wait, err := reg.CommitAsync(ctx, "RegisterStream", c)
		if err != nil {
			return err
		}
		committed <- committedChunk{out, wait}
		return nil
	}
	err = serveOrdered(ctx, first, stream.Recv, l.s.holdFor(ctx), check, deliver)
	close(committed)
	if sendErr := <-sent; err == nil {
		err = sendErr
	}
	return err
}

// committedChunk is a chunk's answer, to be sent when wait returns nil.
type committedChunk struct {
	out  []linkage.Registered
	wait func() error
}

// takeQuota takes checked records from the caller's quota of registrations:
// each one may add a record and a person to the index.
func (l *linkageService) takeQuota(r *registration, recs []records.Record) error {
	return l.s.quotas.registrations.Take(r.Session().Actor.Principal, len(recs))
}

// checkChunk rejects a chunk that changes the domain, the fields or the
// source mid-stream, or is malformed.
func (r *registration) checkChunk(req, first *ttpv1.RegisterStreamRequest, recs []records.Record) error {
	if err := r.Session().SameDomain(req.Domain); err != nil {
		return err
	}
	if len(req.Fields) > 0 && !slices.Equal(req.Fields, r.fields) {
		return apierr.BadField("fields", "a stream has one field list; later chunks must leave it empty or repeat it")
	}
	if req.Source != "" && req.Source != first.Source {
		return apierr.BadField("source", "a stream has one source name; later chunks must leave it empty or repeat it")
	}
	return records.Check(recs, r.fields, records.MaxPerChunk)
}

func (l *linkageService) ListPersonChanges(ctx context.Context, req *ttpv1.ListPersonChangesRequest) (*ttpv1.ListPersonChangesResponse, error) {
	sess, err := l.s.openSession(ctx, req.Domain, req.KeyVersion, session.Receive)
	if err != nil {
		return nil, err
	}
	limit := int(req.PageSize)
	if limit <= 0 || limit > 10_000 {
		limit = 10_000
	}
	changes, err := l.s.index.ChangesInDomain(ctx, l.s.encoder.DomainTag(sess.Domain.Name), req.AfterSequence, limit)
	if err != nil {
		return nil, err
	}
	return &ttpv1.ListPersonChangesResponse{Changes: changesProto(changes, sess.PersonCipher())}, nil
}
