package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/seal"
)

// openCommand unseals the sealed pseudonym columns of a coded file with the
// recipient's private key. It needs no connection to the TTP.
func openCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("open", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		domain  = fs.String("domain", "", "domain the file was coded into (required)")
		mapping = fs.String("map", "", "sealed columns: field=column,... as given to ttp code (required)")
		keyFile = fs.String("private-key", "", "the recipient's private key file from ttp keygen (required)")
		outPath = fs.String("o", "", "opened file (default: IN with .opened.csv)")
		comma   = fs.String("comma", "", "separator: ',' ';' '|' or 'tab' (default: detected)")
	)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return usageErr{err.Error()}
	}
	if len(pos) != 1 {
		return usageError("open takes one input file")
	}
	if *domain == "" || *mapping == "" || *keyFile == "" {
		return usageError("open needs -domain, -map and -private-key")
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
		*outPath = withSuffix(in, ".opened.csv")
	}
	if sameFile(in, *outPath) {
		return usageError("open: the input and -o must be different files")
	}
	priv, err := seal.ReadPrivateKeyFile(*keyFile)
	if err != nil {
		return err
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	partial := *outPath + ".partial"
	out, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(partial)
	bw := bufio.NewWriterSize(out, 1<<20)
	n, openErr := client.OpenFile(client.OpenOptions{Domain: *domain, Mappings: mappings, Comma: sep}, priv, f, bw)
	if openErr == nil {
		openErr = bw.Flush()
	}
	if err := out.Close(); openErr == nil {
		openErr = err
	}
	if openErr != nil {
		return fmt.Errorf("%s: %w", in, openErr)
	}
	if err := os.Rename(partial, *outPath); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "opened %d values\n  output: %s\n", n, *outPath)
	return nil
}
