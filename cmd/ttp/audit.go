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
	"golang.org/x/mod/sumdb/tlog"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/client"
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

// current fetches a checkpoint of the log now and checks its signature.
func current(ctx context.Context, audit ttpv1.AuditServiceClient, v note.Verifier) (checkpoint.Checkpoint, []byte, error) {
	resp, err := audit.GetCheckpoint(ctx, &ttpv1.GetCheckpointRequest{})
	if err != nil {
		return checkpoint.Checkpoint{}, nil, err
	}
	c, err := checkpoint.Open(resp.Checkpoint, v)
	if err != nil {
		return checkpoint.Checkpoint{}, nil, fmt.Errorf("the server's checkpoint: %w", err)
	}
	return c, resp.Checkpoint, nil
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
		cp, signed, err := current(ctx, audit, v)
		if err != nil {
			return err
		}
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
		newer, _, err := current(ctx, audit, v)
		if err != nil {
			return err
		}
		var proof tlog.TreeProof
		if newer.Size >= older.Size && older.Size > 0 {
			resp, err := audit.ProveConsistency(ctx, &ttpv1.ProveConsistencyRequest{OldSize: older.Size, NewSize: newer.Size})
			if err != nil {
				return err
			}
			if proof, err = hashes(resp.Proof); err != nil {
				return err
			}
		}
		if err := checkpoint.CheckConsistency(older, newer, proof); err != nil {
			return fmt.Errorf("NOT CONSISTENT with %s: %w", c.checkpoint, err)
		}
		fmt.Fprintf(stdout, "consistent: the log's %d records extend the %d of %s\n  root now %s\n", newer.Size, older.Size, c.checkpoint, newer.Hash)
		for _, seq := range seqs {
			resp, err := audit.ProveInclusion(ctx, &ttpv1.ProveInclusionRequest{Seq: seq, TreeSize: newer.Size})
			if err != nil {
				return fmt.Errorf("record %d: %w", seq, err)
			}
			proof, err := hashes(resp.Proof)
			if err != nil {
				return err
			}
			if err := checkpoint.CheckInclusion(newer, seq, resp.Record, proof); err != nil {
				return fmt.Errorf("NOT CONSISTENT: %w", err)
			}
			fmt.Fprintf(stdout, "record %d (in the log, proved): %s\n", seq, resp.Record)
		}
		return nil
	})
}

// hashes reads a proof's hashes.
func hashes(raw [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(raw))
	for i, b := range raw {
		if len(b) != len(out[i]) {
			return nil, errors.New("the server's proof holds a hash that is not 32 bytes")
		}
		out[i] = tlog.Hash(b)
	}
	return out, nil
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
