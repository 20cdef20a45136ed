package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client"
)

// codeJob is one run of ttp code or ttp link over a file: the output under
// a side name until it is complete, the quality report in every case, and
// a summary on stderr.
type codeJob struct {
	in, out, report string
	opts            client.FileOptions
	test            bool
	link            bool                   // ttp link: register in the person index
	convert         *client.ConvertOptions // ttp convert: into a linkage request's project domain
	cc              *grpc.ClientConn       // nil with -test
	stderr          io.Writer
	private         bool // -oblivious or -seal-to
	privacy         client.PrivacyOptions
	heading         string // the report's mode, if more than mode()
}

func (j *codeJob) run(ctx context.Context) error {
	f, err := os.Open(j.in)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := client.NewReport()
	if err != nil {
		return err
	}
	defer rep.Close()
	bar := newProgressBar(j.stderr, f)
	if bar != nil {
		j.opts.Progress = bar.update
	}
	out, err := createSideFile(j.out)
	if err != nil {
		return err
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
	heading := client.Heading{Input: j.in, Domain: j.opts.Domain, Mode: j.mode()}
	if j.heading != "" {
		heading.Mode = j.heading
	}
	if codeErr != nil {
		heading.Error = codeErr.Error()
	}
	if err := client.WriteReportFile(j.report, rep, heading, sum); err != nil {
		return err
	}
	if codeErr != nil {
		return fmt.Errorf("%s: %w (report: %s)", j.in, codeErr, j.report)
	}
	if err := out.commit(); err != nil {
		return err
	}
	j.printSummary(sum)
	return nil
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
