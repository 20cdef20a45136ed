package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// This file holds the corrections a hospital sends after registration:
// withdrawing records (ttp withdraw) and registering or withdrawing
// patients' objections (ttp optout). Both are few records, sent in unary
// calls of at most callRows.

const callRows = 1000

// WithdrawOptions says which records WithdrawFile withdraws.
type WithdrawOptions struct {
	Domain string
	// Mappings name the agb and patient_number columns; none: Source and
	// the row numbers name the records, as ttp link -source did.
	Mappings []Mapping
	Source   string
	Comma    rune
}

// CorrectionSummary counts what WithdrawFile or ObjectFile did.
type CorrectionSummary struct {
	Records  int // data rows read
	Done     int // records withdrawn, or objections recorded (withdrawn)
	NotFound int // rows that named nothing to withdraw
	Rejected int // rows that could not be sent or named (reported)
}

// WithdrawFile withdraws the records a file names: only the agb and patient
// number (or the row number) of each row are sent. Rows that name no
// record are counted; rows that cannot be named are reported in rep.
func WithdrawFile(ctx context.Context, cc grpc.ClientConnInterface, opts WithdrawOptions, in io.Reader, rep *Report) (CorrectionSummary, error) {
	for _, m := range opts.Mappings {
		if m.Field != identity.FieldAGB && m.Field != identity.FieldPatientNumber {
			return CorrectionSummary{}, fmt.Errorf("-map: withdraw takes agb and patient_number only, not %s", m.Field)
		}
	}
	client := ttpv1.NewLinkageServiceClient(cc)
	return sendCorrections(opts.Mappings, opts.Comma, in, rep, func(fields []string, batch []*ttpv1.Record) ([]correction, error) {
		resp, err := client.WithdrawRecords(ctx, &ttpv1.WithdrawRecordsRequest{Domain: opts.Domain, Fields: fields, Source: opts.Source, Records: batch})
		if err != nil {
			return nil, err
		}
		out := make([]correction, len(resp.Records))
		for i, w := range resp.Records {
			out[i] = correction{rowKey: w.RowKey, done: w.Withdrawn, problems: w.Problems}
		}
		return out, nil
	})
}

// ObjectOptions says what ObjectFile sends.
type ObjectOptions struct {
	Domain string
	// Mappings name the identifying columns, as for ttp link; to withdraw
	// objections, agb and patient_number (or none, with Source).
	Mappings []Mapping
	Source   string
	Comma    rune
	Withdraw bool // withdraw the objections instead of registering them
}

// ObjectFile registers the objections of the patients a file names (their
// identifying fields, as ttp link sends them), or withdraws them.
func ObjectFile(ctx context.Context, cc grpc.ClientConnInterface, opts ObjectOptions, in io.Reader, rep *Report) (CorrectionSummary, error) {
	client := ttpv1.NewLinkageServiceClient(cc)
	return sendCorrections(opts.Mappings, opts.Comma, in, rep, func(fields []string, batch []*ttpv1.Record) ([]correction, error) {
		resp, err := client.RegisterObjections(ctx, &ttpv1.RegisterObjectionsRequest{Domain: opts.Domain, Fields: fields,
			Source: opts.Source, Records: batch, Withdraw: opts.Withdraw})
		if err != nil {
			return nil, err
		}
		out := make([]correction, len(resp.Records))
		for i, o := range resp.Records {
			out[i] = correction{rowKey: o.RowKey, done: o.Done, problems: o.Problems}
		}
		return out, nil
	})
}

// correction is the server's answer for one row.
type correction struct {
	rowKey   string
	done     bool
	problems []*ttpv1.Problem
}

// sendCorrections reads the file, sends the mapped columns of its rows in
// calls of at most callRows, and counts and reports the answers.
func sendCorrections(mappings []Mapping, comma rune, in io.Reader, rep *Report,
	call func(fields []string, batch []*ttpv1.Record) ([]correction, error)) (CorrectionSummary, error) {
	var sum CorrectionSummary
	r, err := csvfile.NewReader(in, csvfile.Options{Comma: comma})
	if err != nil {
		return sum, err
	}
	var fields []string
	var cols []int
	for _, m := range mappings {
		c, ok := r.Column(m.Column)
		if !ok {
			return sum, csvfile.MissingColumn(m.Column)
		}
		fields, cols = append(fields, string(m.Field)), append(cols, c)
	}
	var batch []*ttpv1.Record
	var lines []int
	send := func() error {
		answers, err := call(fields, batch)
		if err != nil {
			return err
		}
		if len(answers) != len(batch) {
			return fmt.Errorf("the server answered %d rows for %d", len(answers), len(batch))
		}
		for i, a := range answers {
			switch {
			case len(a.problems) > 0 && slices.ContainsFunc(a.problems, func(p *ttpv1.Problem) bool { return identity.Code(p.Code).Fatal() }):
				sum.Rejected++
			case a.done:
				sum.Done++
			default:
				sum.NotFound++
			}
			row, _ := strconv.Atoi(a.rowKey)
			for _, p := range a.problems {
				rep.Add(ReportLine{Row: row, Line: lines[i], Field: p.Field, Code: p.Code, Message: p.Message})
			}
		}
		batch, lines = nil, nil
		return nil
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, err
		}
		sum.Records++
		if row.Problem != nil {
			sum.Rejected++
			rep.Add(ReportLine{Row: row.Number, Line: row.Line, Code: row.Problem.Code, Message: row.Problem.Message})
			continue
		}
		values := make([]string, len(cols))
		for i, c := range cols {
			values[i] = row.Fields[c]
		}
		batch = append(batch, &ttpv1.Record{RowKey: strconv.Itoa(row.Number), Values: values})
		lines = append(lines, row.Line)
		if len(batch) == callRows {
			if err := send(); err != nil {
				return sum, err
			}
		}
	}
	if len(batch) > 0 {
		if err := send(); err != nil {
			return sum, err
		}
	}
	return sum, nil
}
