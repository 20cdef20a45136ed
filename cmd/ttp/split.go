package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// splitCommand is `ttp admin person split`: undo a wrong link by moving one
// record to a new person of its own.
func splitCommand(args []string, stdout io.Writer) error {
	if len(args) < 1 || args[0] != "split" {
		return usageError("admin person takes: split (-agb A -patient-number N | -source S -row-key K)")
	}
	fs := flag.NewFlagSet("admin person split", flag.ContinueOnError)
	var conn connFlags
	conn.register(fs)
	req := &ttpv1.SplitRecordRequest{}
	fs.StringVar(&req.Agb, "agb", "", "the institution's AGB code")
	fs.StringVar(&req.PatientNumber, "patient-number", "", "the institution's patient number")
	fs.StringVar(&req.Source, "source", "", "the source name the record was registered with (files without agb and patient_number)")
	fs.StringVar(&req.RowKey, "row-key", "", "with -source: the record's row key (the row number for ttp link)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return usageErr{err.Error()}
	}
	if len(pos) != 0 {
		return usageError("admin person split takes flags only")
	}
	cc, err := conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := ttpv1.NewAdminServiceClient(cc).SplitRecord(ctx, req)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "split: the record is a person of its own (change %d)\n", resp.ChangeSequence)
	return err
}
