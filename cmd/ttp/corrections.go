package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/buildinfo"
	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/qualityreport"
)

// The corrections a hospital sends after registration: ttp withdraw (a
// wrong record; the correction is then linked as a new one) and ttp optout
// (a patient's objection, or its withdrawal).

// withdrawCommand is ttp withdraw. Only agb and patient number (or the row
// numbers, with -source) are sent.
type withdrawCommand struct{ correctionFlags }

func (c *withdrawCommand) flags(fs *flag.FlagSet) {
	c.correctionFlags.register(fs, "agb=column,patient_number=column; without it, -source and the row numbers name the records")
}

func (c *withdrawCommand) run(ctx context.Context, args []string, _, stderr io.Writer) error {
	if c.domain == "" || (c.mapping == "") == (c.source == "") {
		return usageError("withdraw needs -domain, and -map agb=...,patient_number=... or -source NAME")
	}
	sum, report, err := c.send(ctx, "withdraw", args, func(cc grpc.ClientConnInterface, m []client.Mapping, sep rune, f io.Reader, rep *client.Report) (client.CorrectionSummary, error) {
		return client.WithdrawFile(ctx, cc, client.WithdrawOptions{Domain: c.domain, Mappings: m, Source: c.source, Comma: sep}, f, rep)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "withdrew %d of %d records; %d named no registered record, %d could not be named\n  report: %s\n",
		sum.Done, sum.Records, sum.NotFound, sum.Rejected, report)
	return nil
}

// optoutCommand is ttp optout: it registers patients' objections, with
// their identifying fields as ttp link sends them; with -withdraw it
// withdraws objections the organisation registered (by agb and patient
// number).
type optoutCommand struct {
	correctionFlags
	withdraw bool
}

func (c *optoutCommand) flags(fs *flag.FlagSet) {
	c.correctionFlags.register(fs, "field=column,... as for ttp link (with -withdraw: agb=column,patient_number=column)")
	fs.BoolVar(&c.withdraw, "withdraw", false, "withdraw the objections instead (the patient changed their mind)")
}

func (c *optoutCommand) run(ctx context.Context, args []string, _, stderr io.Writer) error {
	if c.domain == "" || c.mapping == "" {
		return usageError("optout needs -domain and -map")
	}
	sum, report, err := c.send(ctx, "optout", args, func(cc grpc.ClientConnInterface, m []client.Mapping, sep rune, f io.Reader, rep *client.Report) (client.CorrectionSummary, error) {
		return client.ObjectFile(ctx, cc, client.ObjectOptions{Domain: c.domain, Mappings: m, Source: c.source, Comma: sep, Withdraw: c.withdraw}, f, rep)
	})
	if err != nil {
		return err
	}
	verb := "recorded"
	if c.withdraw {
		verb = "withdrew"
	}
	fmt.Fprintf(stderr, "%s %d objections of %d rows; %d rejected\n  report: %s\n", verb, sum.Done, sum.Records, sum.Rejected, report)
	return nil
}

// correctionFlags are the flags withdraw and optout share.
type correctionFlags struct {
	conn                                   connFlags
	domain, mapping, source, report, comma string
}

func (c *correctionFlags) register(fs *flag.FlagSet, mapHelp string) {
	c.conn.register(fs)
	fs.StringVar(&c.domain, "domain", "", "a domain you register into (required)")
	fs.StringVar(&c.mapping, "map", "", mapHelp)
	fs.StringVar(&c.source, "source", "", "the source name the records were linked under (ttp link -source)")
	fs.StringVar(&c.report, "report", "", "report of the rows that were rejected (default: IN with .report.csv)")
	commaVar(fs, &c.comma)
}

// send reads the one input file and sends it with call, and writes the
// report, in every case; it returns the summary and the report's path.
func (c *correctionFlags) send(ctx context.Context, mode string, args []string,
	call func(cc grpc.ClientConnInterface, m []client.Mapping, sep rune, f io.Reader, rep *client.Report) (client.CorrectionSummary, error)) (client.CorrectionSummary, string, error) {
	var sum client.CorrectionSummary
	if len(args) != 1 {
		return sum, "", usageError("%s takes one input file", mode)
	}
	var mappings []client.Mapping
	if c.mapping != "" {
		m, err := client.ParseMappings(c.mapping)
		if err != nil {
			return sum, "", usageErr{err.Error()}
		}
		mappings = m
	}
	sep, err := parseComma(c.comma)
	if err != nil {
		return sum, "", usageErr{err.Error()}
	}
	in := args[0]
	if c.report == "" {
		c.report = withSuffix(in, ".report.csv")
	}
	if sameFile(in, c.report) {
		return sum, "", usageError("%s: the input and -report must be different files", mode)
	}
	f, err := os.Open(in)
	if err != nil {
		return sum, "", err
	}
	defer f.Close()
	rep, err := client.NewReport()
	if err != nil {
		return sum, "", err
	}
	defer rep.Close()
	cc, err := c.conn.dial()
	if err != nil {
		return sum, "", err
	}
	defer cc.Close()
	started := time.Now()
	sum, runErr := call(cc, mappings, sep, stopReading(ctx, f), rep)
	runErr = stoppedBy(ctx, runErr)
	run := qualityreport.Run{Time: started, Tool: "ttp " + buildinfo.Version(), Institution: institution(c.conn.certFile()),
		Input: in, Mode: mode, Domain: c.domain, Comma: sep}
	if runErr != nil {
		run.Error = runErr.Error()
	}
	if err := qualityreport.Write(c.report, run, client.Summary{Records: sum.Records, Accepted: sum.Done, Rejected: sum.Rejected}, rep); err != nil {
		return sum, "", err
	}
	if runErr != nil {
		return sum, "", fmt.Errorf("%s: %w (report: %s)", in, runErr, c.report)
	}
	return sum, c.report, nil
}
