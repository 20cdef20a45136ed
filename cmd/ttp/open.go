package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/seal"
)

// openCommand is ttp open, in two modes. With -domain and -map it unseals
// the sealed pseudonym columns of a coded file (ttp code -seal-to) with the
// recipient's private key, and needs no connection to the TTP. Without
// them it opens the project pseudonyms of files converted for a linkage
// request (ttp convert): it fetches each request's delivery key from the
// TTP, sealed to the recipient; with several files it joins them on the
// project pseudonym.
type openCommand struct {
	conn                                 connFlags
	domain, mapping, keyFile, out, comma string
}

func (c *openCommand) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.StringVar(&c.domain, "domain", "", "domain the file was coded into (sealed field pseudonyms)")
	fs.StringVar(&c.mapping, "map", "", "sealed columns: field=column,... as given to ttp code (sealed field pseudonyms)")
	fs.StringVar(&c.keyFile, "private-key", "", "the recipient's private key file from ttp keygen (required)")
	fs.StringVar(&c.out, "o", "", "opened file (default: IN with .opened.csv)")
	commaVar(fs, &c.comma)
}

func (c *openCommand) run(ctx context.Context, args []string, _, stderr io.Writer) error {
	if c.keyFile == "" {
		return usageError("open needs -private-key")
	}
	if c.domain == "" && c.mapping == "" {
		return c.runProject(ctx, args, stderr)
	}
	if len(args) != 1 {
		return usageError("open takes one input file")
	}
	if c.domain == "" || c.mapping == "" {
		return usageError("open needs both -domain and -map for sealed field pseudonyms, or neither for project pseudonyms")
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

// runProject opens the project pseudonyms of converted files.
func (c *openCommand) runProject(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("open takes one or more converted files")
	}
	sep, err := parseComma(c.comma)
	if err != nil {
		return usageErr{err.Error()}
	}
	if c.out == "" {
		suffix := ".opened.csv"
		if len(args) > 1 {
			suffix = ".joined.csv"
		}
		c.out = withSuffix(args[0], suffix)
	}
	for _, in := range args {
		if sameFile(in, c.out) {
			return usageError("open: an input and -o must be different files")
		}
	}
	priv, err := seal.ReadPrivateKeyFile(c.keyFile)
	if err != nil {
		return err
	}
	var ins []client.DeliveryInput
	for _, in := range args {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		defer f.Close()
		ins = append(ins, client.DeliveryInput{Name: fileStem(in), R: stopReading(ctx, f)})
	}
	cc, err := c.conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	out, err := createSideFile(c.out)
	if err != nil {
		return err
	}
	defer out.discard()
	keys := client.NewDeliveryKeys(cc, priv)
	var n int
	var openErr error
	if len(ins) == 1 {
		n, openErr = client.OpenDeliveryFile(ctx, keys, ins[0].R, out, sep)
	} else {
		n, openErr = client.JoinDeliveryFiles(ctx, keys, ins, out, sep)
	}
	if err := out.close(); openErr == nil {
		openErr = err
	}
	if openErr = stoppedBy(ctx, openErr); openErr != nil {
		return openErr
	}
	if err := out.commit(); err != nil {
		return err
	}
	if len(ins) == 1 {
		fmt.Fprintf(stderr, "opened %d rows\n  output: %s\n", n, c.out)
	} else {
		fmt.Fprintf(stderr, "joined %d files: %d persons in all of them\n  output: %s\n", len(ins), n, c.out)
	}
	return nil
}

// fileStem is a file's name without folder and extension: the prefix of
// its columns in a joined file.
func fileStem(path string) string {
	base := filepath.Base(path)
	if i := strings.IndexByte(base, '.'); i > 0 {
		return base[:i]
	}
	return base
}
