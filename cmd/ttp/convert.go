package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ttpnl/ttp/client"
)

// convertCommand is ttp convert: a registry converts the person pseudonyms
// of a file into a linkage request's project pseudonyms, sealed to the
// request's recipient. Only the column of person pseudonyms leaves the
// machine; the payload stays.
type convertCommand struct {
	conn                            connFlags
	files                           fileFlags
	domain, column                  string
	communication, communicationOut string
	request                         uint64
	keep                            listFlag
}

func (c *convertCommand) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.Uint64Var(&c.request, "request", 0, "the approved linkage request (required)")
	fs.StringVar(&c.domain, "domain", "", "the domain the file's person pseudonyms are in (required)")
	fs.StringVar(&c.column, "column", "", "the column of person pseudonyms (required; e.g. person_pseudonym)")
	fs.StringVar(&c.files.out, "o", "", "converted file (default: IN with .converted.csv)")
	c.files.registerInput(fs)
	fs.StringVar(&c.communication, "communication", "", "columns (name, address) that go to a communication file, apart from the research file: col,col,... (only under a request that asked for one)")
	fs.StringVar(&c.communicationOut, "communication-out", "", "communication file (default: IN with .communication.csv)")
	fs.Var(&c.keep, "keep", "a column to pass into the research file although its name or values look identifying (repeat, or col,col)")
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
	convert := &client.ConvertOptions{Request: c.request, Domain: c.domain, Column: c.column, Comma: opts.Comma, Encoding: opts.Encoding, Keep: c.keep}
	var comm *sideFile
	if c.communication != "" {
		convert.Communication = strings.Split(c.communication, ",")
		if c.communicationOut == "" {
			c.communicationOut = withSuffix(in, ".communication.csv")
		}
		for _, other := range []string{in, files.out, files.report} {
			if sameFile(other, c.communicationOut) {
				return usageError("convert: -communication-out must differ from the input, -o and -report")
			}
		}
		if comm, err = createSideFile(c.communicationOut); err != nil {
			return err
		}
		defer comm.discard()
		convert.CommunicationOut = comm
	}
	cc, err := c.conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	job := codeJob{in: in, out: files.out, report: files.report, cc: cc, stderr: stderr, opts: opts, certFile: c.conn.certFile(),
		lang: files.lang, convert: convert}
	if err := job.run(ctx); err != nil || comm == nil {
		return err
	}
	if err := comm.close(); err != nil {
		return err
	}
	if err := comm.commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "  communication file: %s (sealed to the communication recipient; rows in random order)\n", c.communicationOut)
	return nil
}
