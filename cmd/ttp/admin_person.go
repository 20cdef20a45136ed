package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// personSplit is ttp admin person split: undo a wrong link by moving one
// record to a new person of its own.
type personSplit struct {
	conn                                             connFlags
	organisation, agb, patientNumber, source, rowKey string
}

func (c *personSplit) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.StringVar(&c.organisation, "organisation", "", "the organisation whose broker registered the record (as in the server configuration)")
	fs.StringVar(&c.agb, "agb", "", "the institution's AGB code")
	fs.StringVar(&c.patientNumber, "patient-number", "", "the institution's patient number")
	fs.StringVar(&c.source, "source", "", "the source name the record was registered with (files without agb and patient_number)")
	fs.StringVar(&c.rowKey, "row-key", "", "with -source: the record's row key (the row number for ttp link)")
}

func (c *personSplit) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("admin person split takes flags only")
	}
	req := &ttpv1.SplitRecordRequest{Organisation: c.organisation, Agb: c.agb, PatientNumber: c.patientNumber, Source: c.source, RowKey: c.rowKey}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.SplitRecord(ctx, req)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "split: the record is a person of its own (change %d)\n", resp.ChangeSequence)
		return err
	})
}
