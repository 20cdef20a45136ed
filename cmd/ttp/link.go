package main

import (
	"context"
	"flag"
	"io"
)

// linkCommand is ttp link: register a file's records in the person index
// and write it with the identifying columns replaced by one first column,
// person_pseudonym. It shares codeJob with ttp code: the same side file
// renamed at the end, the same quality report.
type linkCommand struct {
	conn           connFlags
	files          fileFlags
	domain, source string
}

func (c *linkCommand) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.StringVar(&c.domain, "domain", "", "domain of the person pseudonyms (required)")
	fs.StringVar(&c.source, "source", "", "name of the source, for records without agb and patient_number (they are identified by it and their row number)")
	c.files.register(fs, "linked file (default: IN with .linked.csv)")
}

func (c *linkCommand) run(ctx context.Context, args []string, _, stderr io.Writer) (err error) {
	defer func() { err = runFailed(err) }()
	if len(args) != 1 {
		return usageError("link takes one input file")
	}
	if c.files.mapping == "" || c.domain == "" {
		return usageError("link needs -domain and -map")
	}
	in := args[0]
	opts, err := c.files.resolve("link", in, ".linked.csv")
	if err != nil {
		return err
	}
	opts.Domain, opts.Source = c.domain, c.source
	cc, err := c.conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	job := codeJob{in: in, out: c.files.out, report: c.files.report, opts: opts, lang: c.files.lang, link: true, cc: cc, stderr: stderr, certFile: c.conn.certFile()}
	return job.run(ctx)
}
