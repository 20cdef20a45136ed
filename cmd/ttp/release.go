package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ttpnl/ttp/client/release"
)

// releaseCommand is ttp release: disclosure control of a coded or
// delivered file on this machine, before it goes to a researcher (package
// client/release). It sends nothing and needs no server.
type releaseCommand struct {
	qi, generalise, keep, table listFlag
	k, min                      int
	suppress                    string
	out, report, comma          string
}

func (c *releaseCommand) flags(fs *flag.FlagSet) {
	fs.Var(&c.qi, "qi", "quasi-identifier `COLUMN`s the classes are made of (repeatable, or a comma list)")
	c.k = release.DefaultK
	fs.Var(intRangeFlag{&c.k, 2, 1000}, "k", "the least number of records in a class")
	fs.StringVar(&c.suppress, "suppress", "cells", "how to reach k: cells (suppress quasi-identifier values) or records (leave records out)")
	fs.Var(&c.generalise, "generalise", "generalise a column: `"+release.RuleSyntax+"` (repeatable)")
	fs.Var(&c.keep, "keep", "pass `COLUMN` unchanged although its name says it holds an identifier (repeatable, or a comma list)")
	fs.Var(&c.table, "table", "write a table of counts by `COL1[,COL2]` instead of a record file")
	fs.Var(intRangeFlag{&c.min, 2, 1000}, "min", "with -table: the least count a shown figure may rest on (default: -k; 10 for NKR Online's rule)")
	fs.StringVar(&c.out, "o", "", "released file (default: IN with .release.csv, or .table.csv with -table)")
	fs.StringVar(&c.report, "report", "", "release report (default: IN with .release-report.csv)")
	commaVar(fs, &c.comma)
}

func (c *releaseCommand) run(ctx context.Context, args []string, _, stderr io.Writer) error {
	if len(args) != 1 {
		return usageError("release takes one input file")
	}
	tableMode := len(c.table) > 0
	switch {
	case tableMode && len(c.qi) > 0:
		return usageError("release: -table makes a table, -qi a record file: give one of them")
	case !tableMode && len(c.qi) == 0:
		return usageError("release needs -qi (a record file) or -table")
	case !tableMode && c.min != 0:
		return usageError("release: -min is for -table")
	case len(c.table) > 2:
		return usageError("release: -table takes one or two columns")
	}
	method, err := release.ParseMethod(c.suppress)
	if err != nil {
		return usageErr{err.Error()}
	}
	var rules []release.Rule
	for _, g := range c.generalise {
		r, err := release.ParseRule(g)
		if err != nil {
			return usageErr{err.Error()}
		}
		rules = append(rules, r)
	}
	comma, err := parseComma(c.comma)
	if err != nil {
		return usageErr{err.Error()}
	}
	in := args[0]
	if c.out == "" {
		c.out = withSuffix(in, map[bool]string{false: ".release.csv", true: ".table.csv"}[tableMode])
	}
	if c.report == "" {
		c.report = withSuffix(in, ".release-report.csv")
	}
	if sameFile(in, c.out) || sameFile(in, c.report) || sameFile(c.out, c.report) {
		return usageError("release: the input, -o and -report must be three different files")
	}
	out, err := createSideFile(c.out)
	if err != nil {
		return err
	}
	defer out.discard()
	rep, err := createSideFile(c.report)
	if err != nil {
		return err
	}
	defer rep.discard()

	open := func() (io.ReadCloser, error) {
		f, err := os.Open(in)
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{stopReading(ctx, f), f}, nil
	}
	var summary string
	if tableMode {
		min := c.min
		if min == 0 {
			min = c.k
		}
		var f io.ReadCloser
		if f, err = open(); err != nil {
			return err
		}
		defer f.Close()
		var res release.TableResult
		res, err = release.Tabulate(f, out, rep, release.TableOptions{Input: in, Comma: comma, Columns: c.table, Min: min, Rules: rules})
		summary = fmt.Sprintf("tabulated %d records (%d left out, %d warnings): %d figures, %d suppressed below %d, %d more so that none can be recomputed",
			res.Records, res.LeftOut, res.Warnings, res.Figures, res.Primary, min, res.Complementary)
	} else {
		var res release.Result
		res, err = release.Run(open, out, rep, release.Options{Input: in, Comma: comma, QuasiIdentifiers: c.qi, K: c.k, Method: method, Rules: rules, Keep: c.keep})
		summary = fmt.Sprintf("released %d of %d records (%d left out), %d values suppressed, %d warnings; smallest class %d (k=%d, was %d, with %d records below k)",
			res.Released, res.Records, res.LeftOut, res.CellsSuppressed, res.Warnings, res.After.Smallest, c.k, res.Before.Smallest, res.Before.BelowK)
	}
	return c.finish(ctx, in, out, rep, err, summary, stderr)
}

// finish keeps the report in every case it is complete, and the output
// only after a run that went through.
func (c *releaseCommand) finish(ctx context.Context, in string, out, rep *sideFile, runErr error, summary string, stderr io.Writer) error {
	runErr = stoppedBy(ctx, runErr)
	if err := out.close(); runErr == nil {
		runErr = err
	}
	if err := rep.close(); err != nil {
		return errors.Join(runErr, err)
	}
	if err := rep.commit(); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return fmt.Errorf("%s: %w (report: %s)", in, runErr, c.report)
	}
	if err := out.commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s\n  output: %s\n  report: %s\n", summary, c.out, c.report)
	return nil
}
