package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/buildinfo"
	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/qualityreport"
)

// codeJob is one run of ttp code, link or convert over a file: the output
// under a side name until it is complete, the quality report, a summary on
// stderr, and the exit status (exitError).
type codeJob struct {
	in, out, report string
	opts            client.FileOptions
	lang            qualityreport.Lang
	test            bool
	link            bool                   // ttp link: register in the person index
	convert         *client.ConvertOptions // ttp convert: into a linkage request's project domain
	cc              *grpc.ClientConn       // nil with -test
	certFile        string                 // the client certificate, for the report's institution
	stderr          io.Writer
	private         bool // -oblivious or -seal-to
	privacy         client.PrivacyOptions
	heading         string // the report's mode, if more than mode()
}

func (j *codeJob) run(ctx context.Context) error {
	started := time.Now()
	f, err := os.Open(j.in)
	if err != nil {
		return runFailed(err)
	}
	defer f.Close()
	rep, err := client.NewReport()
	if err != nil {
		return runFailed(err)
	}
	defer rep.Close()
	bar := newProgressBar(j.stderr, f)
	if bar != nil {
		j.opts.Progress = bar.update
	}
	out, err := createSideFile(j.out)
	if err != nil {
		return runFailed(err)
	}
	defer out.discard()
	sum, codeErr := j.code(ctx, stopReading(ctx, f), out, rep)
	if bar != nil {
		bar.finish(codeErr == nil) // before anything else is printed
	}
	if err := out.close(); codeErr == nil {
		codeErr = err
	}
	codeErr = stoppedBy(ctx, codeErr)
	run := qualityreport.Run{Time: started, Tool: "ttp " + buildinfo.Version(), Institution: institution(j.certFile),
		Input: j.in, Mode: j.mode(), Domain: j.opts.Domain, Lang: j.lang, Comma: j.opts.Comma}
	if j.heading != "" {
		run.Mode = j.heading
	}
	if j.convert != nil {
		run.Domain = j.convert.Domain
	}
	if codeErr != nil {
		run.Error = codeErr.Error()
		return runFailed(j.failed(run, sum, rep, codeErr))
	}
	if err := qualityreport.Write(j.report, run, sum, rep); err != nil {
		return runFailed(err)
	}
	// A report an earlier run left when it failed is out of date now.
	if err := os.Remove(failedReportPath(j.report)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return runFailed(err)
	}
	if err := out.commit(); err != nil {
		return runFailed(err)
	}
	j.printSummary(sum)
	if sum.Rejected > 0 {
		return exitError{status: exitRejected}
	}
	return nil
}

// failed is the error of a run that failed. The report of the last run
// that completed stays as it is: a server that is down, or a file that
// turns out broken, must not wipe out what the data manager is working
// from. What this run found, if it read anything, goes to a report of its
// own beside it (failedReportPath).
func (j *codeJob) failed(run qualityreport.Run, sum client.Summary, rep *client.Report, codeErr error) error {
	_, statErr := os.Stat(j.report)
	kept := statErr == nil
	if sum.Records == 0 && !fileRejected(rep) { // nothing read: nothing to report
		if kept {
			return fmt.Errorf("%s: %w (the report %s is unchanged)", j.in, codeErr, j.report)
		}
		return fmt.Errorf("%s: %w", j.in, codeErr)
	}
	path := failedReportPath(j.report)
	if err := qualityreport.Write(path, run, sum, rep); err != nil {
		return errors.Join(fmt.Errorf("%s: %w", j.in, codeErr), err)
	}
	if kept {
		return fmt.Errorf("%s: %w (report: %s; the report of the last completed run, %s, is kept)", j.in, codeErr, path, j.report)
	}
	return fmt.Errorf("%s: %w (report: %s)", j.in, codeErr, path)
}

// fileRejected says whether the report holds a problem that rejected the
// file (a BF- code): then the report is what tells the data manager what
// to fix.
func fileRejected(rep *client.Report) bool {
	for _, c := range rep.Codes() {
		if client.Severity(c) == client.SeverityFileRejected {
			return true
		}
	}
	return false
}

// failedReportPath is where a failed run's report goes: the report's path
// with .failed before its extension (in.report.failed.csv).
func failedReportPath(report string) string {
	ext := filepath.Ext(report)
	return strings.TrimSuffix(report, ext) + ".failed" + ext
}

func (j *codeJob) mode() string {
	switch {
	case j.test:
		return "test"
	case j.link:
		return "link"
	case j.convert != nil:
		return "convert"
	}
	return "code"
}

func (j *codeJob) code(ctx context.Context, in io.Reader, out io.Writer, rep *client.Report) (client.Summary, error) {
	switch {
	case j.test:
		return client.TestFile(j.opts, in, out, rep)
	case j.link:
		return client.LinkFile(ctx, j.cc, j.opts, in, out, rep)
	case j.convert != nil:
		return client.ConvertFile(ctx, j.cc, *j.convert, in, out, rep)
	case j.private:
		return client.CodeFilePrivate(ctx, j.cc, j.opts, j.privacy, in, out, rep)
	}
	return client.CodeFile(ctx, j.cc, j.opts, in, out, rep)
}

// printSummary tells on stderr what a completed run did and where its
// files are.
func (j *codeJob) printSummary(sum client.Summary) {
	verb := map[string]string{"code": "coded", "test": "tested", "link": "linked", "convert": "converted"}[j.mode()]
	fmt.Fprintf(j.stderr, "%s %d records: %d accepted, %d rejected, %d warnings", verb, sum.Records, sum.Accepted, sum.Rejected, sum.Warnings)
	if sum.KeyVersion != 0 {
		fmt.Fprintf(j.stderr, "; key version %d", sum.KeyVersion)
	}
	fmt.Fprintf(j.stderr, "\n  output: %s\n  report: %s\n", j.out, j.report)
}
