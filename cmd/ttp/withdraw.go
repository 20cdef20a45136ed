package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ttpnl/ttp/client"
)

// withdrawCommand is ttp withdraw: a broker withdraws records its
// organisation registered (a wrong record; a correction is then registered
// as a new one with ttp link). Only agb and patient number (or the row
// numbers, with -source) are sent.
type withdrawCommand struct {
	conn                                   connFlags
	domain, mapping, source, report, comma string
}

func (c *withdrawCommand) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.StringVar(&c.domain, "domain", "", "a domain you register into (required)")
	fs.StringVar(&c.mapping, "map", "", "agb=column,patient_number=column; without it, -source and the row numbers name the records")
	fs.StringVar(&c.source, "source", "", "the source name the records were linked under (ttp link -source)")
	fs.StringVar(&c.report, "report", "", "report of the rows that could not be named (default: IN with .withdraw-report.csv)")
	fs.StringVar(&c.comma, "comma", "", "separator: ',' ';' '|' or 'tab' (default: detected)")
}

func (c *withdrawCommand) run(ctx context.Context, args []string, _, stderr io.Writer) error {
	if len(args) != 1 {
		return usageError("withdraw takes one input file")
	}
	if c.domain == "" || (c.mapping == "") == (c.source == "") {
		return usageError("withdraw needs -domain, and -map agb=...,patient_number=... or -source NAME")
	}
	opts := client.WithdrawOptions{Domain: c.domain, Source: c.source}
	if c.mapping != "" {
		m, err := client.ParseMappings(c.mapping)
		if err != nil {
			return usageErr{err.Error()}
		}
		opts.Mappings = m
	}
	sep, err := parseComma(c.comma)
	if err != nil {
		return usageErr{err.Error()}
	}
	opts.Comma = sep
	in := args[0]
	if c.report == "" {
		c.report = withSuffix(in, ".withdraw-report.csv")
	}
	if sameFile(in, c.report) {
		return usageError("withdraw: the input and -report must be different files")
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := client.NewReport()
	if err != nil {
		return err
	}
	defer rep.Close()
	cc, err := c.conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	sum, runErr := client.WithdrawFile(ctx, cc, opts, stopReading(ctx, f), rep)
	runErr = stoppedBy(ctx, runErr)
	heading := client.Heading{Input: in, Domain: c.domain, Mode: "withdraw"}
	if runErr != nil {
		heading.Error = runErr.Error()
	}
	if err := client.WriteReportFile(c.report, rep, heading, client.Summary{Records: sum.Records, Accepted: sum.Withdrawn, Rejected: sum.Rejected}); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("%s: %w (report: %s)", in, runErr, c.report)
	}
	fmt.Fprintf(stderr, "withdrew %d of %d records; %d named no registered record, %d could not be named\n  report: %s\n",
		sum.Withdrawn, sum.Records, sum.NotFound, sum.Rejected, c.report)
	return nil
}
