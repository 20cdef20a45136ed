package main

import (
	"flag"
	"io"

	"github.com/ttpnl/ttp/client"
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
		domain     = fs.String("domain", "", "domain of the person pseudonyms (required)")
		mapping    = fs.String("map", "", "identifying columns: field=column,... (required)")
		source     = fs.String("source", "", "name of the source, for records without agb and patient_number (they are identified by it and their row number)")
		outPath    = fs.String("o", "", "linked file (default: IN with .linked.csv)")
		reportPath = fs.String("report", "", "quality report (default: IN with .report.csv)")
		comma      = fs.String("comma", "", "separator: ',' ';' '|' or 'tab' (default: detected)")
		chunk      = fs.Int("chunk", client.DefaultChunkSize, "records per message")
	)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageErr{err.Error()}
	}
	if len(pos) != 1 {
		return usageError("link takes one input file")
	}
	if *mapping == "" || *domain == "" {
		return usageError("link needs -domain and -map")
	}
	mappings, err := client.ParseMappings(*mapping)
	if err != nil {
		return usageErr{err.Error()}
	}
	sep, err := parseComma(*comma)
	if err != nil {
		return usageErr{err.Error()}
	}
	in := pos[0]
	if *outPath == "" {
		*outPath = withSuffix(in, ".linked.csv")
	}
	if *reportPath == "" {
		*reportPath = withSuffix(in, ".report.csv")
	}
	if sameFile(in, *outPath) || sameFile(in, *reportPath) || sameFile(*outPath, *reportPath) {
		return usageError("link: the input, -o and -report must be three different files")
	}
	opts := client.FileOptions{Domain: *domain, Mappings: mappings, Comma: sep, ChunkSize: *chunk, Source: *source}
	cc, err := conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	job := codeJob{in: in, out: *outPath, report: *reportPath, opts: opts, link: true, cc: cc, stderr: stderr}
	return job.run()
}
