package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"

	"github.com/ttpnl/ttp/client/csvfile"
)

// ProjectColumn is the column ConvertFile writes in place of the person
// pseudonyms: the project pseudonym, sealed to the request's recipient.
const ProjectColumn = "project_pseudonym"

// CommunicationColumn is the column of a communication file: the
// communication pseudonym, sealed to the communication recipient.
const CommunicationColumn = "communication_pseudonym"

// ConvertOptions says what ConvertFile converts.
type ConvertOptions struct {
	Request uint64 // the approved linkage request
	Domain  string // the domain the file's person pseudonyms are in
	Column  string // the column that holds them
	Comma   rune   // 0: detected
	// Encoding is how the file's bytes are text (csvfile.Auto: detected).
	Encoding csvfile.Encoding
	Chunk    int // rows per chunk; 0: 5,000
	// Communication names the columns (name, address) that go to the
	// communication file instead of the research file; with none there is
	// no communication file.
	Communication []string
	// CommunicationOut receives the communication file.
	CommunicationOut io.Writer
	// Keep names columns the identifier guard lets into the research file
	// although their names or values look identifying.
	Keep []string
}

// ConvertFile converts a registry's file for a linkage request: only the
// row number and the person pseudonym of each row go to the TTP, never the
// payload. A column that looks identifying (package columnguard) and is
// neither a communication column nor kept on purpose stops it before
// anything is sent. It writes to out the file with opts.Column replaced, in its
// place, by ProjectColumn: the project pseudonym sealed so that only the
// request's recipient can open it (ttp open). A row the TTP could not
// convert is left out and listed in rep with its code.
//
// With opts.Communication, the named columns are left out of out and
// written instead, with CommunicationColumn, to opts.CommunicationOut: the
// research file and the communication file share no column. The
// communication file's rows are in the order of their sealed cells, which
// is random, so that row order does not relate the two files either; it is
// held in memory until the end.
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
	split, err := newCommunicationSplit(r, col, opts.Communication)
	if err != nil {
		return sum, err
	}
	// The research file must carry no identifying column: the identifier
	// guard stops the run before anything is sent.
	src, err := guardColumns(r, append([]int{col}, split.columns()...), opts.Keep)
	if err != nil {
		return sum, err
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
	if err := w.Write(split.research(header)); err != nil {
		return sum, err
	}
	// The sender reads and sends while the receiver writes what came back:
	// chunks carries each sent chunk's rows, in order.
	chunks := make(chan []csvfile.Row, 4)
	sendErr := make(chan error, 1)
	var read readRows // the sender's, until sendErr
	go func() {
		defer close(chunks)
		sendErr <- sendConvertChunks(stream, src, opts, col, chunk, chunks, &read)
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
			if split != nil {
				if cr.SealedCommunicationPseudonym == "" {
					cancel()
					return sum, fmt.Errorf("the server gave row %d no communication pseudonym", row.Number)
				}
				split.add(row.Fields, cr.SealedCommunicationPseudonym)
			}
			row.Fields[col] = cr.SealedProjectPseudonym
			if err := w.Write(split.research(row.Fields)); err != nil {
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
	if err := w.Flush(); err != nil {
		return sum, err
	}
	if split != nil {
		return sum, split.write(opts.CommunicationOut, r.Comma())
	}
	return sum, nil
}

// readRows is what the sender read: every row, and the broken ones.
type readRows struct {
	n      int
	broken []ReportLine
}

// sendConvertChunks reads rows, sends their person pseudonyms chunk by
// chunk, and hands each sent chunk's rows to the receiver. Rows the reader
// found broken are counted in read, not sent.
func sendConvertChunks(stream ttpv1.DeliveryService_ConvertStreamClient, r rowSource, opts ConvertOptions, col, size int,
	chunks chan<- []csvfile.Row, read *readRows) error {
	first := true
	var rows []csvfile.Row
	send := func() error {
		req := &ttpv1.ConvertStreamRequest{Rows: make([]*ttpv1.ConvertRow, len(rows))}
		if first {
			req.RequestId, req.Domain, req.Communication, first = opts.Request, opts.Domain, len(opts.Communication) > 0, false
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

// communicationSplit takes the communication columns out of a file's rows
// and keeps them, with each row's sealed communication pseudonym, for the
// communication file.
type communicationSplit struct {
	header []string // the communication file's
	cols   []int    // the communication columns, in the input
	rows   [][]string
}

// newCommunicationSplit finds the communication columns; none: nil, no
// communication file.
func newCommunicationSplit(r *csvfile.Reader, personCol int, names []string) (*communicationSplit, error) {
	if len(names) == 0 {
		return nil, nil
	}
	s := &communicationSplit{}
	for _, name := range names {
		c, ok := r.Column(name)
		if !ok {
			return nil, csvfile.MissingColumn(name)
		}
		if c == personCol || slices.Contains(s.cols, c) {
			return nil, fmt.Errorf("communication column %q is named twice or is the person pseudonym column", name)
		}
		s.cols = append(s.cols, c)
		s.header = append(s.header, name)
	}
	s.header = append(s.header, CommunicationColumn)
	return s, nil
}

// columns are the communication columns; none without a split.
func (s *communicationSplit) columns() []int {
	if s == nil {
		return nil
	}
	return s.cols
}

// research is fields without the communication columns (a new slice), or
// fields itself without a split.
func (s *communicationSplit) research(fields []string) []string {
	if s == nil {
		return fields
	}
	out := make([]string, 0, len(fields)-len(s.cols))
	for i, f := range fields {
		if !slices.Contains(s.cols, i) {
			out = append(out, f)
		}
	}
	return out
}

// add keeps a row's communication columns and its sealed communication
// pseudonym.
func (s *communicationSplit) add(fields []string, sealed string) {
	row := make([]string, 0, len(s.cols)+1)
	for _, c := range s.cols {
		row = append(row, fields[c])
	}
	s.rows = append(s.rows, append(row, sealed))
}

// write writes the communication file, its rows ordered by their sealed
// cells: random, and unrelated to the research file's order.
func (s *communicationSplit) write(out io.Writer, comma rune) error {
	if out == nil {
		return errors.New("no output for the communication file")
	}
	last := len(s.header) - 1
	slices.SortFunc(s.rows, func(a, b []string) int { return strings.Compare(a[last], b[last]) })
	w := csvfile.NewWriter(out, comma)
	if err := w.Write(s.header); err != nil {
		return err
	}
	for _, row := range s.rows {
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return w.Flush()
}
