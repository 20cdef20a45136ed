package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// reviewList is ttp admin review list: the person index's open review
// items, with how the fields compare, never their values.
type reviewList struct {
	answerFlags
	limit uint32Flag
}

func (c *reviewList) flags(fs *flag.FlagSet) {
	c.answerFlags.flags(fs)
	fs.Var(&c.limit, "n", "at most `N` items (default and maximum 1000)")
}

func (c *reviewList) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) != 0 {
		return usageError("admin review list takes no arguments")
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		resp, err := admin.ListReviewItems(ctx, &ttpv1.ListReviewItemsRequest{PageSize: uint32(c.limit)})
		if err != nil {
			return err
		}
		if c.json {
			return printJSON(stdout, resp)
		}
		return printReviewItems(stdout, resp.Items)
	})
}

// reviewResolve is ttp admin review resolve: a clerk's decision on one
// review item.
type reviewResolve struct {
	conn            connFlags
	match, nonMatch bool
}

func (c *reviewResolve) flags(fs *flag.FlagSet) {
	c.conn.register(fs)
	fs.BoolVar(&c.match, "match", false, "the record is the candidate person (merge)")
	fs.BoolVar(&c.nonMatch, "non-match", false, "the record is a different person (keep apart)")
}

func (c *reviewResolve) run(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if c.match == c.nonMatch {
		return usageError("admin review resolve needs one of -match and -non-match")
	}
	if len(args) != 1 {
		return usageError("admin review resolve takes one item ID")
	}
	id, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil {
		return usageError("admin review resolve: %q is not an item ID", args[0])
	}
	return callAdmin(ctx, &c.conn, func(ctx context.Context, admin ttpv1.AdminServiceClient) error {
		if _, err := admin.ResolveReviewItem(ctx, &ttpv1.ResolveReviewItemRequest{Id: id, Match: c.match}); err != nil {
			return err
		}
		decision := "non-match"
		if c.match {
			decision = "match (merged)"
		}
		_, err := fmt.Fprintf(stdout, "review item %d resolved: %s\n", id, decision)
		return err
	})
}

// printReviewItems prints one line per item: ID, score and the agreement
// level of every compared field, in a fixed order.
func printReviewItems(w io.Writer, items []*ttpv1.ReviewItem) error {
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, "no open review items")
		return err
	}
	var fields []string
	for _, it := range items {
		for f := range it.Comparison {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
	}
	slices.SortFunc(fields, func(a, b string) int {
		return cmp.Or(comparisonOrder(a)-comparisonOrder(b), strings.Compare(a, b))
	})
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tSCORE\t%s\n", strings.ToUpper(strings.Join(fields, "\t")))
	for _, it := range items {
		levels := make([]string, len(fields))
		for i, f := range fields {
			levels[i] = it.Comparison[f]
		}
		fmt.Fprintf(tw, "%d\t%.1f\t%s\n", it.Id, it.Score, strings.Join(levels, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Where the server keeps sealed sources, the records as the hospitals
	// named them, so that a clerk can ask them.
	for _, it := range items {
		if it.RecordSource != "" || it.CandidateSource != "" {
			fmt.Fprintf(w, "item %d: %s; candidate %s\n", it.Id, it.RecordSource, it.CandidateSource)
		}
	}
	return nil
}

// comparisonOrder puts the person index's comparisons in their usual order;
// unknown ones go last, by name.
func comparisonOrder(f string) int {
	if i := slices.Index([]string{"bsn", "family_name", "given_name", "birth_date", "sex", "postcode", "house_number"}, f); i >= 0 {
		return i
	}
	return 100
}
