package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/seal"
)

// openCommand is ttp open: unseal the sealed pseudonym columns of a coded
// file with the recipient's private key. It needs no connection to the TTP.
type openCommand struct {
	domain, mapping, keyFile, out, comma string
}

func (c *openCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.domain, "domain", "", "domain the file was coded into (required)")
	fs.StringVar(&c.mapping, "map", "", "sealed columns: field=column,... as given to ttp code (required)")
	fs.StringVar(&c.keyFile, "private-key", "", "the recipient's private key file from ttp keygen (required)")
	fs.StringVar(&c.out, "o", "", "opened file (default: IN with .opened.csv)")
	fs.StringVar(&c.comma, "comma", "", "separator: ',' ';' '|' or 'tab' (default: detected)")
}

func (c *openCommand) run(ctx context.Context, args []string, _, stderr io.Writer) error {
	if len(args) != 1 {
		return usageError("open takes one input file")
	}
	if c.domain == "" || c.mapping == "" || c.keyFile == "" {
		return usageError("open needs -domain, -map and -private-key")
	}
	mappings, err := client.ParseMappings(c.mapping)
	if err != nil {
		return usageErr{err.Error()}
	}
	sep, err := parseComma(c.comma)
	if err != nil {
		return usageErr{err.Error()}
	}
	in := args[0]
	if c.out == "" {
		c.out = withSuffix(in, ".opened.csv")
	}
	if sameFile(in, c.out) {
		return usageError("open: the input and -o must be different files")
	}
	priv, err := seal.ReadPrivateKeyFile(c.keyFile)
	if err != nil {
		return err
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	out, err := createSideFile(c.out)
	if err != nil {
		return err
	}
	defer out.discard()
	n, openErr := client.OpenFile(client.OpenOptions{Domain: c.domain, Mappings: mappings, Comma: sep}, priv, stopReading(ctx, f), out)
	if err := out.close(); openErr == nil {
		openErr = err
	}
	if openErr = stoppedBy(ctx, openErr); openErr != nil {
		return fmt.Errorf("%s: %w", in, openErr)
	}
	if err := out.commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "opened %d values\n  output: %s\n", n, c.out)
	return nil
}
