package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// sourceFlags name a record at its source, as the hospital knows it.
type sourceFlags struct {
	conn                                             connFlags
	organisation, agb, patientNumber, source, rowKey string
}

func (c *sourceFlags) register(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.StringVar(&c.organisation, "organisation", "", "the organisation whose broker registered the record (as in the server configuration)")
	fs.StringVar(&c.agb, "agb", "", "the institution's AGB code")
	fs.StringVar(&c.patientNumber, "patient-number", "", "the institution's patient number")
	fs.StringVar(&c.source, "source", "", "the source name the record was registered with (files without agb and patient_number)")
	fs.StringVar(&c.rowKey, "row-key", "", "with -source: the record's row key (the row number for ttp link)")
}

// personSplit is ttp admin person split: undo a wrong link by moving one
// record to a new person of its own.
type personSplit struct{ sourceFlags }

func (c *personSplit) flags(fs *flag.FlagSet) { c.sourceFlags.register(fs) }

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

// personHistory is ttp admin person history: the versions a hospital sent
// under one source, the withdrawn ones kept and never matched.
type personHistory struct{ sourceFlags }

func (c *personHistory) flags(fs *flag.FlagSet) { c.sourceFlags.register(fs) }

func (c *personHistory) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("admin person history takes flags only")
	}
	req := &ttpv1.RecordHistoryRequest{Organisation: c.organisation, Agb: c.agb, PatientNumber: c.patientNumber, Source: c.source, RowKey: c.rowKey}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.RecordHistory(ctx, req)
		if err != nil {
			return err
		}
		for _, v := range resp.Withdrawn {
			fmt.Fprintf(stdout, "version %d: withdrawn %s\n", v.Version, stamp(v.Withdrawn.AsTime()))
		}
		if resp.Current {
			fmt.Fprintf(stdout, "version %d: current\n", len(resp.Withdrawn)+1)
		} else if len(resp.Withdrawn) == 0 {
			fmt.Fprintln(stdout, "no record is or was registered under that source")
		}
		return nil
	})
}
