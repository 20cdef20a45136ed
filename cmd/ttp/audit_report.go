package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"

	"github.com/ttpnl/ttp/checkpoint"
	"github.com/ttpnl/ttp/client/auditlog"
	"github.com/ttpnl/ttp/client/auditreport"
	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// auditReport is ttp audit report: the committee's report of a linkage
// request, or of a period, from the audit log as it is proved (package
// auditreport), as CSV or JSON on standard output; what it covers, how
// it was proved and its totals on standard error.
type auditReport struct {
	auditFlags
	request    uint64
	from, to   string
	json       bool
	checkpoint string
}

func (c *auditReport) flags(fs *flag.FlagSet) {
	c.register(fs)
	fs.Uint64Var(&c.request, "request", 0, "the linkage request to report on (default: every record)")
	fs.StringVar(&c.from, "from", "", "the first day of the period, YYYY-MM-DD (UTC), or a time (RFC 3339)")
	fs.StringVar(&c.to, "to", "", "the last day of the period, YYYY-MM-DD (UTC, the whole day), or a time (RFC 3339, not included)")
	fs.BoolVar(&c.json, "json", false, "write JSON (the records and the totals by action) instead of CSV")
	fs.StringVar(&c.checkpoint, "checkpoint", "", "a checkpoint you kept (ttp audit checkpoint): prove the log extends it")
}

func (c *auditReport) run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 0 {
		return usageError("audit report takes no arguments")
	}
	q, err := c.query()
	if err != nil {
		return err
	}
	v, err := c.verifier()
	if err != nil {
		return err
	}
	var kept *checkpoint.Checkpoint
	if c.checkpoint != "" {
		signed, err := os.ReadFile(c.checkpoint)
		if err != nil {
			return err
		}
		k, err := checkpoint.Open(signed, v)
		if err != nil {
			return fmt.Errorf("%s: %w", c.checkpoint, err)
		}
		kept = &k
	}
	conn := func(cc grpc.ClientConnInterface) grpc.ClientConnInterface { return cc }
	return callService(ctx, &c.conn, conn, func(ctx context.Context, cc grpc.ClientConnInterface) error {
		log, err := auditlog.Open(ctx, ttpv1.NewAuditServiceClient(cc), v)
		if err != nil {
			return err
		}
		if kept != nil {
			if err := log.Extends(ctx, *kept); err != nil {
				return fmt.Errorf("NOT CONSISTENT with %s: %w", c.checkpoint, err)
			}
		}
		if q.Request != 0 {
			// Where the request's records begin: a hint, which the report checks.
			resp, err := ttpv1.NewDeliveryServiceClient(cc).GetLinkageRequest(ctx, &ttpv1.GetLinkageRequestRequest{Id: q.Request})
			if err != nil {
				return err
			}
			q.Created = resp.Request.GetCreated().AsTime()
		}
		r, err := auditreport.Build(ctx, log, q)
		if err != nil {
			return fmt.Errorf("NOT VERIFIED: %w", err)
		}
		if kept != nil {
			r.Kept = &auditreport.Kept{File: c.checkpoint, Size: kept.Size}
		}
		if c.json {
			err = r.WriteJSON(stdout)
		} else {
			err = r.WriteCSV(stdout)
		}
		if err != nil {
			return err
		}
		return r.WriteSummary(stderr)
	})
}

// query reads the flags into what the report covers.
func (c *auditReport) query() (auditreport.Query, error) {
	q := auditreport.Query{Request: c.request}
	var err error
	if q.From, err = parseWhen("-from", c.from, false); err != nil {
		return q, err
	}
	if q.To, err = parseWhen("-to", c.to, true); err != nil {
		return q, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, usageError("-from %s is not before -to %s", c.from, c.to)
	}
	return q, nil
}

// parseWhen reads a day (YYYY-MM-DD, in UTC: its start, or for the end
// of a period the start of the next day) or a time (RFC 3339).
func parseWhen(flag, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageError("%s %q is neither a day (YYYY-MM-DD) nor a time (RFC 3339, 2026-03-01T12:00:00Z)", flag, s)
	}
	return t.UTC(), nil
}
