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
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	ttpv1 "github.com/ttpnl/ttp/proto/ttp/v1"
)

// reviewCommand is ttp admin review: list the person index's open review
// items (how the fields compare, never their values) and resolve one.
func reviewCommand(args []string, stdout io.Writer) error {
	if len(args) < 1 || (args[0] != "list" && args[0] != "resolve") {
		return usageError("admin review takes: list [-json], resolve -match|-non-match ID")
	}
	fs := flag.NewFlagSet("admin review "+args[0], flag.ContinueOnError)
	var conn connFlags
	conn.register(fs)
	asJSON := fs.Bool("json", false, "list: print JSON")
	limit := fs.Uint("n", 0, "list: at most this many items (default and maximum 1000)")
	match := fs.Bool("match", false, "resolve: the record is the candidate person (merge)")
	nonMatch := fs.Bool("non-match", false, "resolve: a different person (keep apart)")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return usageErr{err.Error()}
	}
	var id uint64
	if args[0] == "resolve" {
		if *match == *nonMatch {
			return usageError("admin review resolve needs one of -match and -non-match")
		}
		if len(pos) != 1 {
			return usageError("admin review resolve takes one item ID")
		}
		if id, err = strconv.ParseUint(pos[0], 10, 64); err != nil {
			return usageError("admin review resolve: %q is not an item ID", pos[0])
		}
	} else if len(pos) != 0 {
		return usageError("admin review list takes no arguments")
	}
	cc, err := conn.dial()
	if err != nil {
		return err
	}
	defer cc.Close()
	admin := ttpv1.NewAdminServiceClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if args[0] == "resolve" {
		if _, err := admin.ResolveReviewItem(ctx, &ttpv1.ResolveReviewItemRequest{Id: id, Match: *match}); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "review item %d resolved: %s\n", id, map[bool]string{true: "match (merged)", false: "non-match"}[*match])
		return err
	}
	resp, err := admin.ListReviewItems(ctx, &ttpv1.ListReviewItemsRequest{PageSize: uint32(*limit)})
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := protojson.MarshalOptions{Multiline: true}.Marshal(resp)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	return printReviewItems(stdout, resp.Items)
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
	return tw.Flush()
}

// comparisonOrder puts the person index's comparisons in their usual order;
// unknown ones go last, by name.
func comparisonOrder(f string) int {
	if i := slices.Index([]string{"bsn", "family_name", "given_name", "birth_date", "sex", "postcode", "house_number"}, f); i >= 0 {
		return i
	}
	return 100
}
