package client

import (
	"context"
	"io"

	"github.com/ttpnl/ttp/identity"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// TestFile is the test mode of CodeFile: it validates the mapped columns on
// this machine, with the same normalisation the server uses, and writes the
// file with those columns removed. Nothing is sent, nothing is stored, no
// pseudonym is made; the report is the same as CodeFile's.
func TestFile(opts FileOptions, in io.Reader, out io.Writer, rep *Report) (Summary, error) {
	fields := make([]identity.Field, len(opts.Mappings))
	for i, m := range opts.Mappings {
		fields[i] = m.Field
	}
	norm, err := identity.NewNormalizer(fields, identity.Today())
	if err != nil {
		return Summary{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func() (chunkCoder, error) {
		return &localValidator{norm: norm, width: len(fields), answers: make(chan *ttpv1.CodeStreamResponse, chunksInFlight+1)}, nil
	}
	return run(ctx, cancel, opts, open, in, out, rep, dropColumns)
}

// localValidator answers chunks by normalising them here. Reading stays at
// most chunksInFlight chunks ahead, so answers has room for every Send.
type localValidator struct {
	norm    *identity.Normalizer
	width   int
	answers chan *ttpv1.CodeStreamResponse
}

func (v *localValidator) Send(records []*ttpv1.Record) error {
	resp := &ttpv1.CodeStreamResponse{Records: make([]*ttpv1.CodedRecord, len(records))}
	normalised := make([]string, v.width)
	var problems []identity.Problem
	for i, r := range records {
		problems = v.norm.Normalize(problems[:0], r.Values, normalised)
		resp.Records[i] = &ttpv1.CodedRecord{RowKey: r.RowKey, Rejected: identity.Rejected(problems), Problems: problemsProto(problems)}
	}
	v.answers <- resp
	return nil
}

func (v *localValidator) CloseSend() error { close(v.answers); return nil }

func (v *localValidator) Recv() (*ttpv1.CodeStreamResponse, error) {
	resp, ok := <-v.answers
	if !ok {
		return nil, io.EOF
	}
	return resp, nil
}
