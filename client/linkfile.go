package client

import (
	"context"
	"errors"
	"io"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// PersonColumn is the column LinkFile puts first in its output: the record's
// person pseudonym in the domain. It comes first because it is what a
// registry keys its records on.
const PersonColumn = "person_pseudonym"

// LinkFile registers the records of a CSV file in the person index (the
// LinkageService) and writes to out the file with the mapped (identifying)
// columns removed and a first column PersonColumn: the person pseudonym of
// each record in opts.Domain. Records of one person, from this file or from
// earlier registrations by any institution, share the pseudonym. Every other
// column is untouched and in its place. Rejected records are left out of
// out and listed in rep, as CodeFile does. What the index did with each
// record (linked, new, review) is the operators' to know, not the broker's:
// the server does not say.
//
// A record is identified at its source by agb and patient_number when they
// are mapped, else by opts.Source and its row number, within the caller's
// organisation: registering it again returns the same person.
func LinkFile(ctx context.Context, cc grpc.ClientConnInterface, opts FileOptions, in io.Reader, out io.Writer, rep *Report) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	open := func() (chunkCoder, error) {
		stream, err := ttpv1.NewLinkageServiceClient(cc).RegisterStream(ctx)
		if err != nil {
			return nil, err
		}
		return &linkCoder{stream: stream, first: &ttpv1.RegisterStreamRequest{Domain: opts.Domain, Fields: fieldNames(opts.Mappings), Source: opts.Source}}, nil
	}
	return run(ctx, cancel, opts, open, in, out, rep, personColumn)
}

// linkCoder adapts a registration stream to the file pipeline: each answer
// becomes a coding answer with one pseudonym per accepted record, the
// person's.
type linkCoder struct {
	stream ttpv1.LinkageService_RegisterStreamClient
	first  *ttpv1.RegisterStreamRequest // sent with the first chunk
}

func (l *linkCoder) Send(records []*ttpv1.Record) error {
	req := &ttpv1.RegisterStreamRequest{Records: records}
	if l.first != nil {
		req, l.first = l.first, nil
		req.Records = records
	}
	err := l.stream.Send(req)
	if errors.Is(err, io.EOF) {
		return nil // the server ended the stream; Recv has the reason
	}
	return err
}

func (l *linkCoder) CloseSend() error { return l.stream.CloseSend() }

func (l *linkCoder) Recv() (*ttpv1.CodeStreamResponse, error) {
	resp, err := l.stream.Recv()
	if err != nil {
		return nil, err
	}
	out := &ttpv1.CodeStreamResponse{KeyVersion: resp.KeyVersion, Records: make([]*ttpv1.CodedRecord, len(resp.Records))}
	slab := make([]ttpv1.CodedRecord, len(resp.Records))
	for i, r := range resp.Records {
		cr := &slab[i]
		cr.RowKey, cr.Problems, cr.Rejected = r.RowKey, r.Problems, r.Rejected
		if !r.Rejected {
			cr.Pseudonyms = []string{r.PersonPseudonym}
		}
		out.Records[i] = cr
	}
	return out, nil
}
