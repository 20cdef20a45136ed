package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/identity"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// WithdrawOptions says which records WithdrawFile withdraws.
type WithdrawOptions struct {
	Domain string
	// Mappings name the agb and patient_number columns; none: Source and
	// the row numbers name the records, as ttp link -source did.
	Mappings []Mapping
	Source   string
	Comma    rune
}

// WithdrawSummary counts what WithdrawFile did.
type WithdrawSummary struct {
	Records   int // data rows read
	Withdrawn int // records that were registered and are withdrawn
	NotFound  int // rows no record was registered under
	Rejected  int // rows that could not be named (reported)
}

// WithdrawFile withdraws the records a file names, in calls of at most
// 1,000: only the agb and patient number (or the row number) of each row
// are sent. Rows that name no record are counted; rows that cannot be named
// are reported in rep.
func WithdrawFile(ctx context.Context, cc grpc.ClientConnInterface, opts WithdrawOptions, in io.Reader, rep *Report) (WithdrawSummary, error) {
	var sum WithdrawSummary
	r, err := csvfile.NewReader(in, csvfile.Options{Comma: opts.Comma})
	if err != nil {
		return sum, err
	}
	var fields []string
	var cols []int
	for _, m := range opts.Mappings {
		if m.Field != identity.FieldAGB && m.Field != identity.FieldPatientNumber {
			return sum, fmt.Errorf("-map: withdraw takes agb and patient_number only, not %s", m.Field)
		}
		c, ok := r.Column(m.Column)
		if !ok {
			return sum, csvfile.MissingColumn(m.Column)
		}
		fields, cols = append(fields, string(m.Field)), append(cols, c)
	}
	client := ttpv1.NewLinkageServiceClient(cc)
	var batch []*ttpv1.Record
	var lines []int
	send := func() error {
		resp, err := client.WithdrawRecords(ctx, &ttpv1.WithdrawRecordsRequest{Domain: opts.Domain, Fields: fields, Source: opts.Source, Records: batch})
		if err != nil {
			return err
		}
		if len(resp.Records) != len(batch) {
			return fmt.Errorf("the server answered %d rows for %d", len(resp.Records), len(batch))
		}
		for i, w := range resp.Records {
			switch {
			case len(w.Problems) > 0:
				sum.Rejected++
				row, _ := strconv.Atoi(w.RowKey)
				for _, p := range w.Problems {
					rep.Add(ReportLine{Row: row, Line: lines[i], Field: p.Field, Code: p.Code, Message: p.Message})
				}
			case w.Withdrawn:
				sum.Withdrawn++
			default:
				sum.NotFound++
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
		if len(batch) == 1000 {
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
