package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"

	"github.com/ttpnl/ttp/client/csvfile"
)

// ProjectColumn is the column ConvertFile writes in place of the person
// pseudonyms: the project pseudonym, sealed to the request's recipient.
const ProjectColumn = "project_pseudonym"

// ConvertOptions says what ConvertFile converts.
type ConvertOptions struct {
	Request uint64 // the approved linkage request
	Domain  string // the domain the file's person pseudonyms are in
	Column  string // the column that holds them
	Comma   rune   // 0: detected
	// Encoding is how the file's bytes are text (csvfile.Auto: detected).
	Encoding csvfile.Encoding
	Chunk    int // rows per chunk; 0: 5,000
}

// ConvertFile converts a registry's file for a linkage request: only the
// row number and the person pseudonym of each row go to the TTP, never the
// payload. It writes to out the file with opts.Column replaced, in its
// place, by ProjectColumn: the project pseudonym sealed so that only the
// request's recipient can open it (ttp open). A row the TTP could not
// convert is left out and listed in rep with its code.
func ConvertFile(ctx context.Context, cc grpc.ClientConnInterface, opts ConvertOptions, in io.Reader, out io.Writer, rep *Report) (sum Summary, err error) {
	r, err := csvfile.NewReader(in, csvfile.Options{Comma: opts.Comma, Encoding: opts.Encoding})
	if err != nil {
		return sum, fileProblem(rep, err)
	}
	rep.SetInput(r.Comma(), r.Encoding())
	defer func() {
		noteFile(rep, r, passedOn{})
		sum.Warnings = rep.Warnings()
	}()
	col, ok := r.Column(opts.Column)
	if !ok {
		return sum, fileProblem(rep, csvfile.MissingColumn(opts.Column))
	}
	chunk := opts.Chunk
	if chunk <= 0 {
		chunk = 5000
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := ttpv1.NewDeliveryServiceClient(cc).ConvertStream(ctx)
	if err != nil {
		return sum, err
	}
	w := csvfile.NewWriter(out, r.Comma())
	header := append([]string(nil), r.Header()...)
	header[col] = ProjectColumn
	if err := w.Write(header); err != nil {
		return sum, err
	}
	// The sender reads and sends while the receiver writes what came back:
	// chunks carries each sent chunk's rows, in order.
	chunks := make(chan []csvfile.Row, 4)
	sendErr := make(chan error, 1)
	var read readRows // the sender's, until sendErr
	go func() {
		defer close(chunks)
		sendErr <- sendConvertChunks(stream, r, opts, col, chunk, chunks, &read)
	}()
	for rows := range chunks {
		resp, err := stream.Recv()
		if err != nil {
			cancel()
			return sum, errors.Join(err, <-sendErr)
		}
		if len(resp.Rows) != len(rows) {
			cancel()
			return sum, fmt.Errorf("the server answered %d rows for a chunk of %d", len(resp.Rows), len(rows))
		}
		for i, row := range rows {
			cr := resp.Rows[i]
			if cr.RowKey != strconv.Itoa(row.Number) {
				cancel()
				return sum, fmt.Errorf("the server answered row %s for row %d", cr.RowKey, row.Number)
			}
			if len(cr.Problems) > 0 || cr.SealedProjectPseudonym == "" {
				sum.Rejected++
				for _, p := range cr.Problems {
					rep.Add(ReportLine{Row: row.Number, Line: row.Line, Column: opts.Column, Field: p.Field, Code: p.Code, Message: p.Message})
				}
				continue
			}
			row.Fields[col] = cr.SealedProjectPseudonym
			if err := w.Write(row.Fields); err != nil {
				cancel()
				return sum, err
			}
			sum.Accepted++
		}
	}
	if err := <-sendErr; err != nil {
		return sum, fileProblem(rep, err)
	}
	sum.Records, sum.Rejected = read.n, sum.Rejected+len(read.broken)
	for _, l := range read.broken {
		rep.Add(l)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		return sum, fmt.Errorf("the conversion did not end cleanly: %w", err)
	}
	return sum, w.Flush()
}

// readRows is what the sender read: every row, and the broken ones.
type readRows struct {
	n      int
	broken []ReportLine
}

// sendConvertChunks reads rows, sends their person pseudonyms chunk by
// chunk, and hands each sent chunk's rows to the receiver. Rows the reader
// found broken are counted in read, not sent.
func sendConvertChunks(stream ttpv1.DeliveryService_ConvertStreamClient, r *csvfile.Reader, opts ConvertOptions, col, size int,
	chunks chan<- []csvfile.Row, read *readRows) error {
	first := true
	var rows []csvfile.Row
	send := func() error {
		req := &ttpv1.ConvertStreamRequest{Rows: make([]*ttpv1.ConvertRow, len(rows))}
		if first {
			req.RequestId, req.Domain, first = opts.Request, opts.Domain, false
		}
		for i, row := range rows {
			req.Rows[i] = &ttpv1.ConvertRow{RowKey: strconv.Itoa(row.Number), PersonPseudonym: row.Fields[col]}
		}
		if err := stream.Send(req); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		chunks <- rows
		rows = nil
		return nil
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		read.n++
		if row.Problem != nil {
			read.broken = append(read.broken, ReportLine{Row: row.Number, Line: row.Line, Code: row.Problem.Code, Message: row.Problem.Message})
			continue
		}
		if rows = append(rows, row); len(rows) == size {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if len(rows) > 0 {
		if err := send(); err != nil {
			return err
		}
	}
	return stream.CloseSend()
}
