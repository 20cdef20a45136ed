package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/apilimits"
	"github.com/ttpnl/ttp/client/csvfile"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// FileOptions say how to code a CSV file.
type FileOptions struct {
	Domain     string
	Mappings   []Mapping
	Comma      rune             // 0: detect
	Encoding   csvfile.Encoding // csvfile.Auto: detect
	ChunkSize  int              // records per message; 0: DefaultChunkSize
	KeyVersion uint32           // 0: the domain's current version
	// Keep names columns that are not mapped but may hold identifiers, to
	// be passed to the output unchanged on purpose (package columnguard).
	Keep []string
	// Source names the source of records without agb and patient_number
	// (LinkFile only): such a record is identified by Source and its row
	// number, so registering the same file again changes nothing.
	Source string
	// Progress, if set, is called now and then with the input bytes read.
	Progress func(bytesRead int64)
}

// DefaultChunkSize balances per-message overhead against memory in flight.
const DefaultChunkSize = 4096

// chunksInFlight bounds how far reading runs ahead of the answers, and so the
// client's memory, whatever the file size.
const chunksInFlight = 6

// PseudonymSuffix is appended to a mapped column's name in the coded file.
const PseudonymSuffix = "_pseudonym"

// chunkCoder codes chunks in order: one Recv answers each Send, in turn.
type chunkCoder interface {
	Send(records []*ttpv1.Record) error
	CloseSend() error
	Recv() (*ttpv1.CodeStreamResponse, error)
}

// CodeFile reads CSV from in, sends the mapped columns to the server to be
// coded, and writes to out the file with those columns replaced by
// pseudonyms and every other column untouched and in its place. Rejected
// records are left out of out and listed in rep. A file-level problem (BF-
// code) stops the run with a *csvfile.FileError, also listed in rep.
func CodeFile(ctx context.Context, cc grpc.ClientConnInterface, opts FileOptions, in io.Reader, out io.Writer, rep *Report) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	open := func() (chunkCoder, error) { return openStreamCoder(ctx, cc, opts) }
	return run(ctx, cancel, opts, open, in, out, rep, renameColumns)
}

func openStreamCoder(ctx context.Context, cc grpc.ClientConnInterface, opts FileOptions) (*streamCoder, error) {
	stream, err := ttpv1.NewCodingServiceClient(cc).CodeStream(ctx)
	if err != nil {
		return nil, err
	}
	return &streamCoder{stream: stream, domain: opts.Domain, version: opts.KeyVersion, fields: fieldNames(opts.Mappings)}, nil
}

type streamCoder struct {
	stream  ttpv1.CodingService_CodeStreamClient
	domain  string
	fields  []string
	version uint32
	sent    bool
}

func (s *streamCoder) Send(records []*ttpv1.Record) error {
	req := &ttpv1.CodeStreamRequest{Records: records}
	if !s.sent {
		req.Domain, req.Fields, req.KeyVersion = s.domain, s.fields, s.version
		s.sent = true
	}
	err := s.stream.Send(req)
	if errors.Is(err, io.EOF) {
		// The server ended the stream; Recv has the reason.
		return nil
	}
	return err
}

func (s *streamCoder) CloseSend() error                         { return s.stream.CloseSend() }
func (s *streamCoder) Recv() (*ttpv1.CodeStreamResponse, error) { return s.stream.Recv() }

func columnByField(ms []Mapping) map[string]string {
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		out[string(m.Field)] = m.Column
	}
	return out
}

func fieldNames(ms []Mapping) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Field)
	}
	return out
}

// columnPlan says what becomes of the mapped columns in the output.
type columnPlan int

const (
	renameColumns columnPlan = iota // replaced by pseudonym columns
	dropColumns                     // removed (test mode)
	personColumn                    // removed, and one PersonColumn first (LinkFile)
)

// pseudonyms is how many pseudonyms an accepted record's answer holds.
func (p columnPlan) pseudonyms(mapped int) int {
	switch p {
	case renameColumns:
		return mapped
	case personColumn:
		return 1
	}
	return 0
}

// chunk is a run of input rows and the records sent for them.
type chunk struct {
	rows []csvfile.Row
	sent int // records sent (rows without a local problem)
}

// run codes a file: it reads the header and the first rows, lets the
// identifier guard look at them, and only then opens the coder (the
// connection to the TTP, for every coder but test mode's) and sends.
func run(ctx context.Context, cancel context.CancelFunc, opts FileOptions, open func() (chunkCoder, error), in io.Reader, out io.Writer, rep *Report, plan columnPlan) (sum Summary, err error) {
	r, err := csvfile.NewReader(in, csvfile.Options{Comma: opts.Comma, Encoding: opts.Encoding})
	if err != nil {
		return sum, fileProblem(rep, err)
	}
	rep.SetInput(r.Comma(), r.Encoding())
	var passed passedOn
	defer func() {
		noteFile(rep, r, passed)
		sum.Warnings = rep.Warnings()
	}()
	cols, err := mappedColumns(r, opts.Mappings)
	if err != nil {
		return sum, fileProblem(rep, err)
	}
	rows, err := guardColumns(r, cols, opts.Keep)
	if err != nil {
		return sum, fileProblem(rep, err)
	}
	header := outputHeader(r.Header(), cols, plan)
	if len(header) == 0 {
		return sum, errors.New("every column is mapped: the output would have no columns")
	}
	size := opts.ChunkSize
	switch {
	case size <= 0:
		size = DefaultChunkSize
	case size > apilimits.MaxRecordsPerMessage:
		return sum, fmt.Errorf("chunk size %d: the server takes at most %d records in one message", size, apilimits.MaxRecordsPerMessage)
	}
	coder, err := open()
	if err != nil {
		return sum, err
	}
	chunks := make(chan chunk, chunksInFlight)
	readErr := make(chan error, 1)
	go func() { readErr <- readChunks(ctx, rows, r.Header(), cols, size, coder, chunks, opts.Progress) }()

	w := csvfile.NewWriter(out, r.Comma())
	if err := w.Write(header); err != nil {
		cancel()
		return sum, err
	}
	if err := writeChunks(chunks, coder, cols, columnByField(opts.Mappings), len(r.Header()), plan, w, rep, &sum, &passed); err != nil {
		cancel()
		for range chunks { // let the reader finish
		}
		<-readErr
		return sum, err
	}
	if err := <-readErr; err != nil {
		return sum, fileProblem(rep, err)
	}
	return sum, w.Flush()
}

// mappedColumns finds each mapped column in the header.
func mappedColumns(r *csvfile.Reader, ms []Mapping) ([]int, error) {
	cols := make([]int, len(ms))
	for i, m := range ms {
		c, ok := r.Column(m.Column)
		if !ok {
			return nil, csvfile.MissingColumn(m.Column)
		}
		cols[i] = c
	}
	return cols, nil
}

// CodeNotUTF8PassedOn is the file-level note of rows with bytes that are
// not UTF-8 in columns passed on unchanged: with -encoding utf-8 such a
// byte rejects a row only in a mapped column.
const CodeNotUTF8PassedOn = "BW-003"

// passedOn counts the rows passed on with bytes that are not UTF-8.
type passedOn struct{ rows, firstLine int }

func (p *passedOn) add(row csvfile.Row) {
	if len(row.NotUTF8) == 0 {
		return
	}
	if p.rows == 0 {
		p.firstLine = row.Line
	}
	p.rows++
}

// noteFile lists in the report, once each, what there is to say about the
// file as a whole: how it was read, and what was passed on as it was.
func noteFile(rep *Report, r *csvfile.Reader, passed passedOn) {
	for _, n := range r.Notes() {
		rep.Add(ReportLine{Line: n.Line, Code: n.Code, Message: n.Message})
	}
	if passed.rows > 0 {
		rep.Add(ReportLine{Line: passed.firstLine, Code: CodeNotUTF8PassedOn, Message: fmt.Sprintf(
			"%d rows have bytes that are not UTF-8 in columns passed on unchanged, the first on line %d: they are in the output as they were", passed.rows, passed.firstLine)})
	}
}

// fileProblem lists a file-level error in the report and returns it.
func fileProblem(rep *Report, err error) error {
	var fe *csvfile.FileError
	if errors.As(err, &fe) {
		rep.Add(ReportLine{Line: fe.Line, Code: fe.Code, Message: fe.Message})
	}
	return err
}

func isMapped(cols []int, c int) (int, bool) {
	for i, m := range cols {
		if m == c {
			return i, true
		}
	}
	return -1, false
}

func outputHeader(header []string, cols []int, plan columnPlan) []string {
	out := make([]string, 0, len(header)+1)
	if plan == personColumn {
		out = append(out, PersonColumn)
	}
	for c, name := range header {
		if _, ok := isMapped(cols, c); !ok {
			out = append(out, name)
		} else if plan == renameColumns {
			out = append(out, name+PseudonymSuffix)
		}
	}
	return out
}

// readChunks reads rows, sends the mapped values of each chunk, and passes
// the chunk on to be matched with its answer. Rows with a problem of their
// own (wrong column count, bad UTF-8) are passed on but not sent.
func readChunks(ctx context.Context, r rowSource, header []string, cols []int, size int, coder chunkCoder, chunks chan<- chunk, progress func(int64)) error {
	defer close(chunks)
	var cur chunk
	var records []*ttpv1.Record
	flush := func() error {
		if len(cur.rows) == 0 {
			return nil
		}
		cur.sent = len(records)
		select {
		case chunks <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		if len(records) > 0 {
			if err := coder.Send(records); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(r.BytesRead())
		}
		cur, records = chunk{rows: make([]csvfile.Row, 0, size)}, make([]*ttpv1.Record, 0, size)
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
		if row.Problem == nil {
			row.Problem = mappedProblem(header, cols, row)
		}
		cur.rows = append(cur.rows, row)
		if row.Problem == nil {
			values := make([]string, len(cols))
			for i, c := range cols {
				values[i] = row.Fields[c]
			}
			records = append(records, &ttpv1.Record{RowKey: strconv.Itoa(row.Number), Values: values})
		}
		if len(cur.rows) >= size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return coder.CloseSend()
}

// CodeValueTooLong is the problem code of a record with a mapped value
// longer than the server takes (apilimits.MaxValueBytes). The server would
// refuse the whole chunk for it; the client rejects the record alone and
// never sends it, in test mode as in a real run.
const CodeValueTooLong = "F-910"

// mappedProblem returns the problem of a row whose mapped value is not
// UTF-8 (only with -encoding utf-8: a pass-through column's bytes are no
// reason) or longer than apilimits.MaxValueBytes, or nil. The message names
// the column (from the header the mapping chose), never the value.
func mappedProblem(header []string, cols []int, row csvfile.Row) *csvfile.RowProblem {
	for _, c := range cols {
		if slices.Contains(row.NotUTF8, c) {
			return &csvfile.RowProblem{Code: csvfile.CodeNotUTF8, Message: fmt.Sprintf(
				"column %q is not UTF-8 text, as -encoding says the file is", header[c])}
		}
		if len(row.Fields[c]) > apilimits.MaxValueBytes {
			return &csvfile.RowProblem{Code: CodeValueTooLong, Message: fmt.Sprintf(
				"the value of column %q is longer than %d bytes, the most the TTP accepts", header[c], apilimits.MaxValueBytes)}
		}
	}
	return nil
}

// writeChunks matches each chunk with its answer, writes the accepted rows
// and reports every problem.
func writeChunks(chunks <-chan chunk, coder chunkCoder, cols []int, columnOf map[string]string, width int, plan columnPlan, w *csvfile.Writer, rep *Report, sum *Summary, passed *passedOn) error {
	outRow := make([]string, 0, width)
	for ch := range chunks {
		var coded []*ttpv1.CodedRecord
		if ch.sent > 0 {
			resp, err := coder.Recv()
			if err != nil {
				return err
			}
			if len(resp.Records) != ch.sent {
				return fmt.Errorf("server answered %d records for %d sent", len(resp.Records), ch.sent)
			}
			coded = resp.Records
			sum.KeyVersion = resp.KeyVersion
		}
		for _, row := range ch.rows {
			sum.Records++
			if row.Problem != nil {
				sum.Rejected++
				rep.Add(ReportLine{Row: row.Number, Line: row.Line, Code: row.Problem.Code, Message: row.Problem.Message})
				continue
			}
			cr := coded[0]
			coded = coded[1:]
			if cr.RowKey != strconv.Itoa(row.Number) {
				return fmt.Errorf("server answered row %q where row %d was expected", cr.RowKey, row.Number)
			}
			for _, p := range cr.Problems {
				rep.Add(ReportLine{Row: row.Number, Line: row.Line, Column: columnOf[p.Field], Field: p.Field, Code: p.Code, Message: p.Message})
			}
			if cr.Rejected {
				sum.Rejected++
				continue
			}
			if want := plan.pseudonyms(len(cols)); len(cr.Pseudonyms) != want {
				return fmt.Errorf("server answered %d pseudonyms for %d expected in row %d", len(cr.Pseudonyms), want, row.Number)
			}
			sum.Accepted++
			passed.add(row)
			outRow = outRow[:0]
			if plan == personColumn {
				outRow = append(outRow, cr.Pseudonyms[0])
			}
			for c, v := range row.Fields {
				i, ok := isMapped(cols, c)
				switch {
				case !ok:
					outRow = append(outRow, v)
				case plan == renameColumns:
					outRow = append(outRow, cr.Pseudonyms[i])
				}
			}
			if err := w.Write(outRow); err != nil {
				return err
			}
		}
	}
	return nil
}
