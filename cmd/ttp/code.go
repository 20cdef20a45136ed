package main

import (
	"context"
	"flag"
	"io"
)

// codeCommand is ttp code: replace each mapped column of a file by a column
// of pseudonyms, and write a quality report. With -test it checks the file
// here and sends nothing.
type codeCommand struct {
	conn       connFlags
	files      fileFlags
	privacy    privacyFlags
	domain     string
	test       bool
	keyVersion uint32Flag
}

func (c *codeCommand) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.StringVar(&c.domain, "domain", "", "domain to code into (required unless -test)")
	fs.BoolVar(&c.test, "test", false, "test mode: validate here and strip the identifying columns; nothing is sent or stored")
	fs.Var(&c.keyVersion, "key-version", "key version `N` to code with (default: the domain's current)")
	c.files.register(fs, "coded file (default: IN with .coded.csv, or .test.csv with -test)")
	c.privacy.register(fs)
}

func (c *codeCommand) run(ctx context.Context, args []string, _, stderr io.Writer) (err error) {
	defer func() { err = runFailed(err) }()
	if len(args) != 1 {
		return usageError("code takes one input file")
	}
	if c.files.mapping == "" || (c.domain == "" && !c.test) {
		return usageError("code needs -map, and -domain unless -test")
	}
	if c.test && c.privacy.set() {
		return usageError("code: -test sends nothing; it takes neither -oblivious nor -seal-to")
	}
	in := args[0]
	outSuffix := ".coded.csv"
	if c.test {
		outSuffix = ".test.csv"
	}
	opts, err := c.files.resolve("code", in, outSuffix)
	if err != nil {
		return err
	}
	opts.Domain, opts.KeyVersion = c.domain, uint32(c.keyVersion)
	job := codeJob{in: in, out: c.files.out, report: c.files.report, opts: opts, lang: c.files.lang, test: c.test, stderr: stderr, certFile: c.conn.certFile()}
	if !c.test {
		// Settings first: missing ones are the user's to fix, not a
		// problem of the file, and must not overwrite an earlier report.
		cc, err := c.conn.dial()
		if err != nil {
			return err
		}
		defer cc.Close()
		job.cc = cc
		if c.privacy.set() {
			if job.privacy, err = c.privacy.options(ctx, cc, stderr); err != nil {
				return stoppedBy(ctx, err)
			}
			job.private, job.heading = true, c.privacy.modeName()
		}
	}
	return job.run(ctx)
}
