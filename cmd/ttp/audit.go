package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/client"
	"github.com/ttpnl/ttp/client/auditlog"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/secretfile"
)

// auditFlags are the flags of the commands that check the audit log: the
// connection, and the verifier key that checkpoints must be signed with.
type auditFlags struct {
	conn        connFlags
	verifierKey string
}

func (f *auditFlags) register(fs *flag.FlagSet) {
	f.conn.register(fs)
	fs.StringVar(&f.verifierKey, "verifier-key", "", "the TTP's audit verifier key file, as the TTP published it to you (or "+client.EnvAuditKey+")")
}

// verifier reads the verifier key: the flag, or TTP_AUDIT_KEY from the
// environment or the settings file.
func (f *auditFlags) verifier() (note.Verifier, error) {
	path := f.verifierKey
	if path == "" {
		s, err := f.conn.resolve()
		if err != nil {
			return nil, err
		}
		path = s.AuditKey
	}
	if path == "" {
		return nil, usageError("no audit verifier key: give -verifier-key or set %s (dev mode: ttp-data/pki/audit.pub)", client.EnvAuditKey)
	}
	return checkpoint.ReadVerifier(path)
}

// auditCheckpoint is ttp audit checkpoint: fetch a signed checkpoint of
// the log, check its signature, and keep it.
type auditCheckpoint struct {
	auditFlags
	out string
}

func (c *auditCheckpoint) flags(fs *flag.FlagSet) {
	c.register(fs)
	fs.StringVar(&c.out, "o", "", "file to save the checkpoint in (default audit-checkpoint-SIZE.txt); never overwritten")
}

func (c *auditCheckpoint) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("audit checkpoint takes no arguments")
	}
	v, err := c.verifier()
	if err != nil {
		return err
	}
	return callService(ctx, &c.conn, ttpv1.NewAuditServiceClient, func(ctx context.Context, audit ttpv1.AuditServiceClient) error {
		log, err := auditlog.Open(ctx, audit, v)
		if err != nil {
			return err
		}
		cp, signed := log.Head, log.Signed
		out := c.out
		if out == "" {
			out = fmt.Sprintf("audit-checkpoint-%d.txt", cp.Size)
		}
		// A kept checkpoint is evidence: never written over (nor readable
		// by others, which does no harm).
		if err := secretfile.WriteNew(out, signed); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "checkpoint of log %s: %d records, root %s\n  signature verified with %s\n  saved: %s\n", cp.Origin, cp.Size, cp.Hash, v.Name(), out)
		return nil
	})
}

// auditVerify is ttp audit verify: prove that the log now extends a kept
// checkpoint, and that given records are in it.
type auditVerify struct {
	auditFlags
	checkpoint string
	records    string
}

func (c *auditVerify) flags(fs *flag.FlagSet) {
	c.register(fs)
	fs.StringVar(&c.checkpoint, "checkpoint", "", "a checkpoint you kept (ttp audit checkpoint)")
	fs.StringVar(&c.records, "records", "", "sequence numbers of records to show and prove in the log, e.g. 1,7")
}

func (c *auditVerify) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("audit verify takes no arguments")
	}
	if c.checkpoint == "" {
		return usageError("-checkpoint is required")
	}
	seqs, err := parseSeqs(c.records)
	if err != nil {
		return usageErr{"-records: " + err.Error()}
	}
	v, err := c.verifier()
	if err != nil {
		return err
	}
	kept, err := os.ReadFile(c.checkpoint)
	if err != nil {
		return err
	}
	older, err := checkpoint.Open(kept, v)
	if err != nil {
		return fmt.Errorf("%s: %w", c.checkpoint, err)
	}
	return callService(ctx, &c.conn, ttpv1.NewAuditServiceClient, func(ctx context.Context, audit ttpv1.AuditServiceClient) error {
		log, err := auditlog.Open(ctx, audit, v)
		if err != nil {
			return err
		}
		if err := log.Extends(ctx, older); err != nil {
			return fmt.Errorf("NOT CONSISTENT with %s: %w", c.checkpoint, err)
		}
		fmt.Fprintf(stdout, "consistent: the log's %d records extend the %d of %s\n  root now %s\n", log.Head.Size, older.Size, c.checkpoint, log.Head.Hash)
		for _, seq := range seqs {
			e, err := log.At(ctx, seq)
			if errors.Is(err, checkpoint.ErrInconsistent) {
				return fmt.Errorf("NOT CONSISTENT: %w", err)
			}
			if err != nil {
				return fmt.Errorf("record %d: %w", seq, err)
			}
			fmt.Fprintf(stdout, "record %d (in the log, proved): %s\n", seq, e.Raw)
		}
		return nil
	})
}

// parseSeqs reads "1,7,12".
func parseSeqs(list string) ([]uint64, error) {
	if list == "" {
		return nil, nil
	}
	var out []uint64
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 63)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a record sequence number (1, 2, ...)", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// auditKeygen is ttp audit keygen: make the TTP's audit key pair.
type auditKeygen struct{ name, stem string }

func (c *auditKeygen) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.name, "name", "", "the log's name, e.g. ttp.example.nl/audit: every checkpoint carries it")
	fs.StringVar(&c.stem, "o", "audit", "file name stem: writes STEM.key and STEM.pub")
}

func (c *auditKeygen) run(_ context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("audit keygen takes no arguments")
	}
	if c.name == "" {
		return usageError("-name is required")
	}
	keyFile, pubFile := c.stem+".key", c.stem+".pub"
	if err := checkpoint.WriteKeyFiles(c.name, keyFile, pubFile); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signer key:   %s (for ttpd's audit_key_file; mode 0600, apart from the KEK)\n", keyFile)
	fmt.Fprintf(stdout, "verifier key: %s (publish it to the committee members)\n", pubFile)
	return nil
}
