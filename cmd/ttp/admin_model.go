package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// The ttp admin model commands: the person index's model, estimated on its
// own records, compared with the active one, and activated on purpose.

// modelEstimate is ttp admin model estimate.
type modelEstimate struct {
	answerFlags
	sample      float64
	pairs       uint
	keepWeights bool
}

func (c *modelEstimate) flags(fs *flag.FlagSet) {
	c.answerFlags.flags(fs)
	fs.Float64Var(&c.sample, "sample", 0, "share of the records whose candidate pairs EM uses, in (0, 1] (default: all)")
	fs.UintVar(&c.pairs, "random-pairs", 0, "random record pairs u is counted on (default 100000)")
	fs.BoolVar(&c.keepWeights, "keep-weights", false, "keep the active model's m and u; estimate only which patterns with two valid BSNs go to a clerk")
}

func (c *modelEstimate) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("admin model estimate takes flags only")
	}
	req := &ttpv1.EstimateLinkageModelRequest{Sample: c.sample, RandomPairs: uint32(min(c.pairs, 1<<31)), KeepWeights: c.keepWeights}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.EstimateLinkageModel(ctx, req)
		if err != nil {
			return err
		}
		if c.json {
			return printJSON(stdout, resp)
		}
		fmt.Fprintf(stdout, "version %d (inactive), from %d candidate pairs; 'ttp admin model activate %d' to use it\n", resp.Version, resp.CandidatePairs, resp.Version)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMPARISON\tLEVEL\tACTIVE M\tACTIVE U\tESTIMATED M\tESTIMATED U")
		for _, l := range resp.Levels {
			fmt.Fprintf(tw, "%s\t%s\t%.4g\t%.4g\t%.4g\t%.4g\n", l.Comparison, l.Level, l.ActiveM, l.ActiveU, l.EstimatedM, l.EstimatedU)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		return printOtherBSN(stdout, resp)
	})
}

// printOtherBSN shows which patterns with two different valid BSNs the
// new version sends to a clerk, for the operator to judge before
// activating it (a broker sending many such records would show here).
func printOtherBSN(w io.Writer, resp *ttpv1.EstimateLinkageModelResponse) error {
	fmt.Fprintf(w, "replaced BSNs %.4f; %d patterns with two valid BSNs go to a clerk instead of a new person\n", resp.ReplacedBsn, len(resp.OtherBsn))
	for _, p := range resp.OtherBsn {
		if _, err := fmt.Fprintf(w, "  %d records with two BSNs, %d with one: %s\n", p.Records, p.BsnAgreeing, strings.Join(p.Levels, " ")); err != nil {
			return err
		}
	}
	return nil
}

// modelActivate is ttp admin model activate.
type modelActivate struct{ conn connFlags }

func (c *modelActivate) flags(fs *flag.FlagSet) { c.conn.register(fs) }

func (c *modelActivate) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 1 {
		return usageError("admin model activate takes one version")
	}
	v, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil || v == 0 {
		return usageError("admin model activate: %q is not a version", args[0])
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		if _, err := admin.ActivateLinkageModel(ctx, &ttpv1.ActivateLinkageModelRequest{Version: v}); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "version %d is active: registration uses it from now on; past decisions stay\n", v)
		return err
	})
}

// modelList is ttp admin model list.
type modelList struct{ answerFlags }

func (c *modelList) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("admin model list takes no arguments")
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.ListLinkageModels(ctx, &ttpv1.ListLinkageModelsRequest{})
		if err != nil {
			return err
		}
		if c.json {
			return printJSON(stdout, resp)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tESTIMATED\tACTIVE")
		for _, v := range resp.Versions {
			fmt.Fprintf(tw, "%d\t%s\t%v\n", v.Version, stamp(v.Created.AsTime()), v.Active)
		}
		return tw.Flush()
	})
}
