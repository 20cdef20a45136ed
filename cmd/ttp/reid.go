package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/client/csvfile"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
	"github.com/ttpnl/ttp/reidanswer"
	"github.com/ttpnl/ttp/seal"
)

// The ttp reid commands: re-identification through the data holder. A
// registry asks, with a reason (reid request); two committee members
// approve (request approve); each hospital's broker fetches its own
// patients (reid fetch). The registry never receives a patient number.

// reidRequest is ttp reid request.
type reidRequest struct {
	answerFlags
	domain, column, reason, comma string
}

func (c *reidRequest) flags(fs *flag.FlagSet) {
	c.answerFlags.flags(fs)
	fs.StringVar(&c.domain, "domain", "", "the domain of the person pseudonyms (required)")
	fs.StringVar(&c.column, "column", "person_pseudonym", "the column of person pseudonyms")
	fs.StringVar(&c.reason, "reason", "", "why the patients must be reached; the hospitals receive it (required)")
	commaVar(fs, &c.comma)
}

func (c *reidRequest) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 1 {
		return usageError("reid request takes one file of person pseudonyms")
	}
	if c.domain == "" || c.reason == "" {
		return usageError("reid request needs -domain and -reason")
	}
	sep, err := parseComma(c.comma)
	if err != nil {
		return usageErr{err.Error()}
	}
	pseudonyms, err := readColumn(args[0], c.column, sep)
	if err != nil {
		return err
	}
	req := &ttpv1.CreateReidRequestRequest{Domain: c.domain, Reason: c.reason, PersonPseudonyms: pseudonyms}
	return c.call(ctx, stdout, func(ctx context.Context, d ttpv1.DeliveryServiceClient) (answer, error) {
		return d.CreateReidRequest(ctx, req)
	})
}

// readColumn reads one column of a CSV file.
func readColumn(path, column string, comma rune) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := csvfile.NewReader(f, csvfile.Options{Comma: comma})
	if err != nil {
		return nil, err
	}
	col, ok := r.Column(column)
	if !ok {
		return nil, csvfile.MissingColumn(column)
	}
	var out []string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if row.Problem == nil && row.Fields[col] != "" {
			out = append(out, row.Fields[col])
		}
	}
}

// reidFetch is ttp reid fetch: a hospital's broker fetches its own
// patients of an approved re-identification and opens them with its
// private key.
type reidFetch struct {
	conn         connFlags
	keyFile, out string
}

func (c *reidFetch) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.StringVar(&c.keyFile, "private-key", "", "your private key file from ttp keygen, whose public key is registered under your name (required)")
	fs.StringVar(&c.out, "o", "", "the patients' file (default: reid-ID.csv)")
}

func (c *reidFetch) run(ctx context.Context, args []string, _, stderr io.Writer) error {
	if len(args) != 1 {
		return usageError("reid fetch takes one request ID")
	}
	id, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil || id == 0 {
		return usageError("reid fetch: %q is not a request ID", args[0])
	}
	if c.keyFile == "" {
		return usageError("reid fetch needs -private-key")
	}
	if c.out == "" {
		c.out = fmt.Sprintf("reid-%d.csv", id)
	}
	priv, err := seal.ReadPrivateKeyFile(c.keyFile)
	if err != nil {
		return err
	}
	var answers []string
	if err := callServer(ctx, &c.conn, func(ctx context.Context, cc grpc.ClientConnInterface) error {
		resp, err := ttpv1.NewDeliveryServiceClient(cc).GetReidAnswers(ctx, &ttpv1.GetReidAnswersRequest{Id: id})
		if err != nil {
			return err
		}
		answers = resp.SealedAnswers
		return nil
	}); err != nil {
		return err
	}
	out, err := createSideFile(c.out)
	if err != nil {
		return err
	}
	defer out.discard()
	w := csvfile.NewWriter(out, ';')
	w.Write([]string{"agb", "patient_number", "file", "row"})
	var reason string
	n := 0
	for _, a := range answers {
		raw, err := seal.Open(priv, reidanswer.Info(id), a)
		if err != nil {
			return fmt.Errorf("an answer does not open with %s: %w", c.keyFile, err)
		}
		var ans reidanswer.Answer
		if err := json.Unmarshal(raw, &ans); err != nil || ans.Request != id {
			return fmt.Errorf("an answer is not one of request %d", id)
		}
		reason = ans.Reason
		for _, p := range ans.Patients {
			if err := w.Write([]string{p.AGB, p.PatientNumber, p.File, p.Row}); err != nil {
				return err
			}
			n++
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := out.close(); err != nil {
		return err
	}
	if err := out.commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "re-identification %d: %d of your patients\n  reason: %s\n  output: %s\n", id, n, reason, c.out)
	return nil
}
