package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client"
)

func codeCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("code", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn connFlags
	conn.register(fs)
	var (
		domain     = fs.String("domain", "", "domain to code into (required unless -test)")
		test       = fs.Bool("test", false, "test mode: validate here and strip the identifying columns; nothing is sent or stored")
		keyVersion = fs.Uint("key-version", 0, "key version to code with (default: the domain's current)")
	)
	var files fileFlags
	files.register(fs, "coded file (default: IN with .coded.csv, or .test.csv with -test)")
	var privacy privacyFlags
	privacy.register(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageErr{err.Error()}
	}
	if len(pos) != 1 {
		return usageError("code takes one input file")
	}
	if files.mapping == "" || (*domain == "" && !*test) {
		return usageError("code needs -map, and -domain unless -test")
	}
	if *test && privacy.set() {
		return usageError("code: -test sends nothing; it takes neither -oblivious nor -seal-to")
	}
	in := pos[0]
	opts, err := files.resolve("code", in, map[bool]string{false: ".coded.csv", true: ".test.csv"}[*test])
	if err != nil {
		return err
	}
	opts.Domain, opts.KeyVersion = *domain, uint32(*keyVersion)
	job := codeJob{in: in, out: files.out, report: files.report, opts: opts, test: *test, stderr: stderr}
	if !*test {
		// Settings first: missing ones are the user's to fix, not a
		// problem of the file, and must not overwrite an earlier report.
		cc, err := conn.dial()
		if err != nil {
			return err
		}
		defer cc.Close()
		job.cc = cc
		if privacy.set() {
			if job.privacy, err = privacy.options(cc, stderr); err != nil {
				return err
			}
			job.private, job.heading = true, privacy.modeName()
		}
	}
	return job.run()
}

type codeJob struct {
	in, out, report string
	opts            client.FileOptions
	test            bool
	link            bool             // ttp link: register in the person index
	cc              *grpc.ClientConn // nil with -test
	stderr          io.Writer
	private         bool // -oblivious or -seal-to
	privacy         client.PrivacyOptions
	heading         string // the report's mode, if more than mode()
}

func (j *codeJob) run() error {
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
	// Write to a side file and rename at the end: a run that fails half-way
	// never leaves a half-coded file under the name a user expects.
	partial := j.out + ".partial"
	out, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(partial)
	bw := bufio.NewWriterSize(out, 1<<20)
	sum, codeErr := j.code(f, bw, rep)
	if bar != nil {
		bar.finish(codeErr == nil) // before anything else is printed
	}
	if codeErr == nil {
		codeErr = bw.Flush()
	}
	if err := out.Close(); codeErr == nil {
		codeErr = err
	}
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
	if err := os.Rename(partial, j.out); err != nil {
		return err
	}
	verb := map[string]string{"code": "coded", "test": "tested", "link": "linked"}[j.mode()]
	fmt.Fprintf(j.stderr, "%s %d records: %d accepted, %d rejected, %d warnings", verb, sum.Records, sum.Accepted, sum.Rejected, sum.Warnings)
	if j.link {
		d := sum.Decisions
		fmt.Fprintf(j.stderr, "; persons: %d linked, %d new, %d review, %d known", d.Linked, d.New, d.Review, d.Known)
	}
	if sum.KeyVersion != 0 {
		fmt.Fprintf(j.stderr, "; key version %d", sum.KeyVersion)
	}
	fmt.Fprintf(j.stderr, "\n  output: %s\n  report: %s\n", j.out, j.report)
	return nil
}

func (j *codeJob) mode() string {
	switch {
	case j.test:
		return "test"
	case j.link:
		return "link"
	}
	return "code"
}

func (j *codeJob) code(in io.Reader, out io.Writer, rep *client.Report) (client.Summary, error) {
	if j.test {
		return client.TestFile(j.opts, in, out, rep)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if j.link {
		return client.LinkFile(ctx, j.cc, j.opts, in, out, rep)
	}
	if j.private {
		return client.CodeFilePrivate(ctx, j.cc, j.opts, j.privacy, in, out, rep)
	}
	return client.CodeFile(ctx, j.cc, j.opts, in, out, rep)
}

func withSuffix(path, suffix string) string {
	if base, ok := strings.CutSuffix(path, ".csv"); ok {
		return base + suffix
	}
	return path + suffix
}

// sameFile says whether a and b name the same file, or would.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

func parseComma(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", `\t`:
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || !strings.ContainsRune(",;|\t", r) {
		return 0, errors.New(`-comma: want ',' ';' '|' or 'tab'`)
	}
	return r, nil
}
