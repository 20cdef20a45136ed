package main

import (
	"context"
	"flag"
	"io"

	"github.com/ttpnl/ttp/client"
)

// convertCommand is ttp convert: a registry converts the person pseudonyms
// of a file into a linkage request's project pseudonyms, sealed to the
// request's recipient. Only the column of person pseudonyms leaves the
// machine; the payload stays.
type convertCommand struct {
	conn    connFlags
	files   fileFlags
	domain  string
	column  string
	request uint64
}

func (c *convertCommand) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.Uint64Var(&c.request, "request", 0, "the approved linkage request (required)")
	fs.StringVar(&c.domain, "domain", "", "the domain the file's person pseudonyms are in (required)")
	fs.StringVar(&c.column, "column", "", "the column of person pseudonyms (required; e.g. person_pseudonym)")
	fs.StringVar(&c.files.out, "o", "", "converted file (default: IN with .converted.csv)")
	c.files.registerInput(fs)
}

func (c *convertCommand) run(ctx context.Context, args []string, _, stderr io.Writer) (err error) {
	defer func() { err = runFailed(err) }()
	if len(args) != 1 {
		return usageError("convert takes one input file")
	}
	if c.request == 0 || c.domain == "" || c.column == "" {
		return usageError("convert needs -request, -domain and -column")
	}
	in := args[0]
	files := &c.files
	opts, err := files.paths("convert", in, ".converted.csv")
	if err != nil {
		return err
	}
	cc, err := c.conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	job := codeJob{in: in, out: files.out, report: files.report, cc: cc, stderr: stderr, opts: opts, certFile: c.conn.certFile(),
		lang: files.lang, convert: &client.ConvertOptions{Request: c.request, Domain: c.domain, Column: c.column, Comma: opts.Comma, Encoding: opts.Encoding}}
	return job.run(ctx)
}
