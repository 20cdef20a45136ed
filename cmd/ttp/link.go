package main

import (
	"flag"
	"io"
)

// linkCommand is ttp link: register a file's records in the person index
// and write it with the identifying columns replaced by one first column,
// person_pseudonym. It shares codeJob with ttp code: the same side file
// renamed at the end, the same quality report.
func linkCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn connFlags
	conn.register(fs)
	var (
		domain = fs.String("domain", "", "domain of the person pseudonyms (required)")
		source = fs.String("source", "", "name of the source, for records without agb and patient_number (they are identified by it and their row number)")
	)
	var files fileFlags
	files.register(fs, "linked file (default: IN with .linked.csv)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageErr{err.Error()}
	}
	if len(pos) != 1 {
		return usageError("link takes one input file")
	}
	if files.mapping == "" || *domain == "" {
		return usageError("link needs -domain and -map")
	}
	in := pos[0]
	opts, err := files.resolve("link", in, ".linked.csv")
	if err != nil {
		return err
	}
	opts.Domain, opts.Source = *domain, *source
	cc, err := conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	job := codeJob{in: in, out: files.out, report: files.report, opts: opts, link: true, cc: cc, stderr: stderr}
	return job.run()
}
