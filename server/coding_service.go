package server

import (
	"context"
	"errors"
	"io"
	"slices"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/server/apierr"
	"github.com/ttpnl/ttp/server/coding"
	"github.com/ttpnl/ttp/server/records"
	"github.com/ttpnl/ttp/server/session"
)

// codingService translates between gRPC and package coding.
type codingService struct {
	ttpv1.UnimplementedCodingServiceServer
	s *Server
}

func (c *codingService) start(ctx context.Context, domain string, fields []string, version uint32) (*coding.Job, error) {
	sess, err := c.s.openSession(ctx, domain, version, session.Code)
	if err != nil {
		return nil, err
	}
	return coding.Start(sess, fields, c.s.today())
}

func (c *codingService) Code(ctx context.Context, req *ttpv1.CodeRequest) (*ttpv1.CodeResponse, error) {
	job, err := c.start(ctx, req.Domain, req.Fields, req.KeyVersion)
	if err != nil {
		return nil, err
	}
	recs := recordsFromProto(req.Records)
	if err := c.checkCall(job, recs, records.MaxPerCall); err != nil {
		return nil, err
	}
	coded, counts := job.Code(recs)
	if err := c.s.audit.Append(ctx, job.AuditRecord("Code", counts), nil); err != nil {
		return nil, err
	}
	c.s.metrics.observeCoding(counts.Accepted, counts.Rejected, counts.Pseudonyms)
	return &ttpv1.CodeResponse{KeyVersion: job.KeyVersion(), Records: codedProto(coded)}, nil
}

// chunkResult is a coded chunk on its way back, in order.
type chunkResult struct {
	resp   *ttpv1.CodeStreamResponse
	counts coding.Counts
}

// CodeStream codes chunks on all cores while the next ones arrive, and sends
// the answers in the order the chunks came. Each answer is audited, durably,
// before it is sent: whatever a caller received is in the audit log.
func (c *codingService) CodeStream(stream ttpv1.CodingService_CodeStreamServer) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
	job, err := c.start(ctx, first.Domain, first.Fields, first.KeyVersion)
	if err != nil {
		return err
	}
	check := func(req *ttpv1.CodeStreamRequest) (func() (chunkResult, error), error) {
		recs := recordsFromProto(req.Records)
		if err := c.checkChunk(job, req, recs); err != nil {
			return nil, err
		}
		return func() (chunkResult, error) {
			coded, counts := job.Code(recs)
			return chunkResult{&ttpv1.CodeStreamResponse{KeyVersion: job.KeyVersion(), Records: codedProto(coded)}, counts}, nil
		}, nil
	}
	deliver := func(res chunkResult) error {
		if err := c.s.audit.Append(ctx, job.AuditRecord("CodeStream", res.counts), nil); err != nil {
			return err
		}
		c.s.metrics.observeCoding(res.counts.Accepted, res.counts.Rejected, res.counts.Pseudonyms)
		return stream.Send(res.resp)
	}
	return serveOrdered(ctx, first, stream.Recv, c.s.holdFor(ctx), check, deliver)
}

// checkChunk rejects a chunk that changes the domain or the fields mid-stream,
// is malformed, or is over the caller's quota.
func (c *codingService) checkChunk(job *coding.Job, req *ttpv1.CodeStreamRequest, recs []records.Record) error {
	if err := job.Session.SameDomain(req.Domain); err != nil {
		return err
	}
	if len(req.Fields) > 0 && !slices.Equal(req.Fields, job.Fields()) {
		return apierr.BadField("fields", "a stream has one field list; later chunks must leave it empty or repeat it")
	}
	return c.checkCall(job, recs, records.MaxPerChunk)
}

// checkCall rejects a malformed request, and one over the caller's quota of
// pseudonyms: every value sent counts, so a dictionary sweep pays for the
// values that fail validation too.
func (c *codingService) checkCall(job *coding.Job, recs []records.Record, max int) error {
	if err := job.Check(recs, max); err != nil {
		return err
	}
	return c.s.quotas.pseudonyms.Take(job.Session.Actor.Principal, len(recs)*len(job.Fields()))
}
