package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/ttpnl/ttp/apilimits"
	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/csvfile"
	"github.com/ttpnl/ttp/client/qualityreport"
)

// fileFlags are the flags of the commands that turn one CSV file into
// another (code, link): the column mapping, the output and report paths,
// the separator, encoding and chunk size, the report's language.
type fileFlags struct {
	mapping, out, report, comma string
	encoding                    csvfile.Encoding
	lang                        qualityreport.Lang
	chunk                       int
	keep                        listFlag
}

func (f *fileFlags) register(fs *flag.FlagSet, outHelp string) {
	fs.StringVar(&f.mapping, "map", "", "identifying columns: field=column,... (required)")
	fs.Var(&f.keep, "keep", "pass `COLUMN` to the output unchanged although it may hold identifiers (repeatable, or a comma list)")
	fs.StringVar(&f.out, "o", "", outHelp)
	f.registerInput(fs)
	f.chunk = client.DefaultChunkSize
	fs.Var(intRangeFlag{&f.chunk, 1, apilimits.MaxRecordsPerMessage}, "chunk", "records per message, at most the server's `limit` of 10000")
}

// registerInput defines the flags of how the input is read and the report
// written, which every command with a quality report takes.
func (f *fileFlags) registerInput(fs *flag.FlagSet) {
	fs.StringVar(&f.report, "report", "", "quality report: FILE.csv, or FILE.xlsx for an Excel workbook (default: IN with .report.csv)")
	commaVar(fs, &f.comma)
	fs.Func("encoding", "the input's `encoding`: "+csvfile.EncodingNames+" (default: detected)", func(s string) (err error) {
		f.encoding, err = csvfile.ParseEncoding(s)
		return err
	})
	fs.Func("lang", "`LANG`uage of the quality report: nl or en (default en)", func(s string) (err error) {
		f.lang, err = qualityreport.ParseLang(s)
		return err
	})
}

// resolve checks the flags for input file in, fills in the default paths
// (the output gets outSuffix), and returns the file options they give.
func (f *fileFlags) resolve(command, in, outSuffix string) (client.FileOptions, error) {
	mappings, err := client.ParseMappings(f.mapping)
	if err != nil {
		return client.FileOptions{}, usageErr{err.Error()}
	}
	opts, err := f.paths(command, in, outSuffix)
	opts.Mappings = mappings
	return opts, err
}

// paths checks -comma, -o and -report for input file in and fills in the
// default paths (the output gets outSuffix).
func (f *fileFlags) paths(command, in, outSuffix string) (client.FileOptions, error) {
	sep, err := parseComma(f.comma)
	if err != nil {
		return client.FileOptions{}, usageErr{err.Error()}
	}
	if f.out == "" {
		f.out = withSuffix(in, outSuffix)
	}
	if f.report == "" {
		f.report = withSuffix(in, ".report.csv")
	}
	// The output is renamed over its path and the report written over
	// its path at the end: either one named as the input would destroy it.
	if sameFile(in, f.out) || sameFile(in, f.report) || sameFile(f.out, f.report) {
		return client.FileOptions{}, usageError("%s: the input, -o and -report must be three different files", command)
	}
	return client.FileOptions{Comma: sep, Encoding: f.encoding, ChunkSize: f.chunk, Keep: f.keep}, nil
}

// withSuffix is the default name of a file made from path: path with its
// .csv replaced by suffix.
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

// commaVar defines -comma, the input's separator, which parseComma reads.
func commaVar(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "comma", "", "separator: ',' ';' '|' or 'tab' (default: detected)")
}

// parseComma parses -comma; 0 means: detect the separator.
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
